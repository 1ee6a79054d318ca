// Starter, exercise 2: call src/submit.lua (read it first: its header lists KEYS and ARGV).
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { LbKeys } from '../src/keys';
import type { SubmitOptions, SubmitScore } from '../src/submit';

export type { BoardStanding, SubmitOptions, SubmitResult, SubmitScore } from '../src/submit';

/**
 * Returns a function that submits one score with ONE script call:
 * - load the script once: `luaCommand(redis, 'lbapi_submit', new URL('../src/submit.lua', import.meta.url), 5)`;
 * - KEYS: the daily, weekly and all-time board keys of the current periods (`keys.board`, `currentPeriod`),
 *   then `keys.stats` and `keys.history` of the player — every key under the game's `{hash tag}`;
 * - ARGV: player, score, now, `expireAt('daily', now)`, `expireAt('weekly', now)`, history cap, event top N,
 *   `keys.channel(game)`, game, and the three period names;
 * - turn the flat reply into a SubmitResult (ranks 1-based, `improved` = the board's changed flag).
 */
export function createSubmitter(_redis: RedisClient, _keys: LbKeys, _opts: SubmitOptions): SubmitScore {
  return async () => {
    throw new NotImplementedError('exercise 2: submit a score to the three boards with one call of submit.lua');
  };
}
