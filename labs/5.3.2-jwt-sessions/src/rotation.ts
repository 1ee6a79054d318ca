// Exercise 2: refresh-token rotation with reuse detection (see rotate-refresh.lua).
import { AuthError } from './auth-error';
import type { StoreDeps } from './store';

/**
 * Swaps the session's current refresh jti for `newJti` if `presentedJti` IS the current one. Any other
 * refresh token of the session is a replay: the session is revoked (reason refresh_reused).
 * Returns the session's absolute expiry (the new refresh token's exp) and its new TTL.
 */
export async function rotateRefresh(
  d: StoreDeps,
  userId: string,
  sid: string,
  presentedJti: string,
  newJti: string,
): Promise<{ expiresAt: number; ttlMs: number }> {
  const [status, ttl, expiresAt] = await d.scripts.rotate(
    [d.k.session(userId, sid), d.k.index(userId), d.k.tombstone(userId, sid)],
    [d.config.now(), d.config.idleTtlMs, sid, presentedJti, newJti, d.config.absoluteTtlMs],
  );
  if (status !== 'ok') throw new AuthError(status as 'refresh_reused' | 'session_revoked' | 'session_expired');
  return { ttlMs: Number(ttl), expiresAt: Number(expiresAt) };
}
