// Starter: exercise 1. `npm run grade 5.3.2 -- --impl starter` shows what is left.
import { NotImplementedError } from '../../../shared/errors';
import type { NewSession } from '../src/sessions';
import type { StoreDeps } from '../src/store';

export type { NewSession } from '../src/sessions';

/**
 * Create a session: a hash at d.k.session(userId, sid) with userId, createdAt, lastSeenAt, expiresAt
 * (now + absoluteTtlMs) and refreshJti; a TTL of min(idleTtlMs, absoluteTtlMs); the sid in the user's
 * index d.k.index(userId) scored by its expiry: one MULTI (this user's keys only, one cluster slot).
 * Then count it: d.count({ logins: 1, active: 1 }) (the global stats hash, a separate call).
 */
export async function createSession(_d: StoreDeps, _userId: string, _refreshJti: string, _sid?: string): Promise<NewSession> {
  throw new NotImplementedError('exercise 1: create a session (hash + TTL + user index, one MULTI)');
}

/**
 * Validate the session of an access token on every request, sliding its expiry: call
 * d.scripts.touch (src/touch-session.lua: read its KEYS/ARGV) and throw an AuthError with the reason
 * it returns unless it is 'ok'.
 */
export async function validateSession(_d: StoreDeps, _userId: string, _sid: string, _jti: string): Promise<{ ttlMs: number }> {
  throw new NotImplementedError('exercise 1: validate a session and slide its expiry (touch-session.lua)');
}
