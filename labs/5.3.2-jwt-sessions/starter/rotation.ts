// Starter: exercise 2.
import { NotImplementedError } from '../../../shared/errors';
import type { StoreDeps } from '../src/store';

/**
 * Rotate the refresh token with reuse detection: call d.scripts.rotate (src/rotate-refresh.lua) and
 * throw an AuthError with its reason ('refresh_reused', 'session_revoked', 'session_expired') unless
 * it is 'ok'. The tombstone TTL is the absolute lifetime (no refresh token outlives it).
 */
export async function rotateRefresh(_d: StoreDeps, _userId: string, _sid: string, _presentedJti: string, _newJti: string): Promise<{ expiresAt: number; ttlMs: number }> {
  throw new NotImplementedError('exercise 2: rotate the refresh token and detect reuse (rotate-refresh.lua)');
}
