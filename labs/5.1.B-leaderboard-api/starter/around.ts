// Starter, exercise 4: rank around me.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { Around } from '../src/around';

export type { Around } from '../src/around';

/**
 * The player's rank (1-based) and score, and up to `n` players above and `n` below, each entry marked
 * `me` or not; undefined when the player is not on the board. ZREVRANK, then ZREVRANGE around it.
 */
export async function rankAround(_redis: RedisClient, _key: string, _player: string, _n: number): Promise<Around | undefined> {
  throw new NotImplementedError('exercise 4: find the player with ZREVRANK and read n above and below with ZREVRANGE');
}
