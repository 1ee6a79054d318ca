// Exercise 1: a session per login, in Redis with a TTL equal to its lifetime, validated on every
// request (which also slides its expiry forward, up to the absolute maximum).
import { randomUUID } from 'node:crypto';
import { AuthError } from './auth-error';
import type { StoreDeps } from './store';

export interface NewSession {
  sid: string;
  /** Absolute expiry (ms): the refresh token's `exp`. */
  expiresAt: number;
  /** TTL the session key got (ms). */
  ttlMs: number;
}

/**
 * Creates a session: a hash with the user, timestamps and the current refresh token's jti, a TTL of
 * min(idle, absolute), and an entry in the user's index. One MULTI, so nothing is half-written; it
 * touches only this user's keys (one slot on a cluster), and the stats are counted in a separate call.
 */
export async function createSession(d: StoreDeps, userId: string, refreshJti: string, sid: string = randomUUID()): Promise<NewSession> {
  const now = d.config.now();
  const expiresAt = now + d.config.absoluteTtlMs;
  const ttlMs = Math.min(d.config.idleTtlMs, d.config.absoluteTtlMs);
  const key = d.k.session(userId, sid);
  await d.redis
    .multi()
    .hset(key, { userId, createdAt: now, lastSeenAt: now, expiresAt, refreshJti })
    .pexpire(key, ttlMs)
    .zadd(d.k.index(userId), now + ttlMs, sid)
    .exec();
  await d.count({ logins: 1, active: 1 });
  return { sid, expiresAt, ttlMs };
}

/**
 * Checks that the access token's session is alive and the token not revoked, and slides the session's
 * expiry. Throws AuthError (token_revoked, session_revoked, session_expired). Returns the new TTL.
 */
export async function validateSession(d: StoreDeps, userId: string, sid: string, jti: string): Promise<{ ttlMs: number }> {
  const [status, ttl] = await d.scripts.touch(
    [d.k.session(userId, sid), d.k.index(userId), d.k.revokedJti(userId, jti), d.k.tombstone(userId, sid)],
    [d.config.now(), d.config.idleTtlMs, sid],
  );
  if (status !== 'ok') throw new AuthError(status as 'token_revoked' | 'session_revoked' | 'session_expired');
  return { ttlMs: Number(ttl) };
}
