// Exercise 3: revoke one token, one session, or every session of a user. The state is in Redis and
// validateSession reads it on every request, so every app instance refuses a revoked token at once.
import type { StoreDeps } from './store';

/** Revokes one access token (by jti) until it would have expired anyway (`expSec`). */
export async function revokeToken(d: StoreDeps, userId: string, jti: string, expSec: number): Promise<boolean> {
  const ttl = expSec * 1000 - d.config.now();
  if (ttl <= 0) return false; // already expired: nothing to remember
  await d.redis.set(d.k.revokedJti(userId, jti), '1', 'PX', ttl);
  await d.count({ token_revocations: 1 });
  return true;
}

async function endSessions(d: StoreDeps, userId: string, sids: string[], reason: string): Promise<number> {
  if (!sids.length) return 0;
  const keys = [d.k.index(userId)];
  for (const sid of sids) keys.push(d.k.session(userId, sid), d.k.tombstone(userId, sid));
  // The tombstone lives as long as any token of the session could (refresh tokens: absolute TTL).
  return d.scripts.end(sids.length)(keys, [d.config.absoluteTtlMs, reason, ...sids]);
}

/** Revokes one session (logout): its access and refresh tokens all stop working. */
export async function revokeSession(d: StoreDeps, userId: string, sid: string): Promise<boolean> {
  return (await endSessions(d, userId, [sid], 'logout')) === 1;
}

/** Revokes every session of a user (logout everywhere); returns how many were active. */
export async function revokeAllSessions(d: StoreDeps, userId: string): Promise<number> {
  const sids = await d.redis.zrange(d.k.index(userId), 0, -1);
  return endSessions(d, userId, sids, 'logout_all');
}
