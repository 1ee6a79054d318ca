// Starter: exercise 3.
import { NotImplementedError } from '../../../shared/errors';
import type { StoreDeps } from '../src/store';

/**
 * One access token: SET d.k.revokedJti(userId, jti) with a PX of its remaining lifetime
 * (expSec * 1000 - now; nothing to do if already expired), then d.count({ token_revocations: 1 }).
 */
export async function revokeToken(_d: StoreDeps, _userId: string, _jti: string, _expSec: number): Promise<boolean> {
  throw new NotImplementedError('exercise 3: revoke one access token (denylist its jti until it expires)');
}

/** One session: d.scripts.end(1) (src/end-sessions.lua) with its session and tombstone keys. */
export async function revokeSession(_d: StoreDeps, _userId: string, _sid: string): Promise<boolean> {
  throw new NotImplementedError('exercise 3: revoke one session (end-sessions.lua)');
}

/** Every session in the user's index, in one end-sessions.lua call; returns how many were active. */
export async function revokeAllSessions(_d: StoreDeps, _userId: string): Promise<number> {
  throw new NotImplementedError('exercise 3: revoke all sessions of a user (end-sessions.lua)');
}
