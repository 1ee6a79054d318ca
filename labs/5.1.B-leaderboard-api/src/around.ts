// Exercise 4: rank around me — the player's position and up to `n` players above and below.
// ZREVRANK finds the position, ZREVRANGE reads the window around it. (Two commands: if the board moves
// in between, the window is from a moment later; the player is marked where they are in it.)
import type { RedisClient } from '../../../shared/redis-client';
import type { Entry } from './cursor';

export interface Around {
  player: string;
  /** 1-based. */
  rank: number;
  score: number;
  entries: Array<Entry & { me: boolean }>;
}

/** Undefined when the player is not on the board. */
export async function rankAround(redis: RedisClient, key: string, player: string, n: number): Promise<Around | undefined> {
  const rank = await redis.zrevrank(key, player);
  if (rank === null) return undefined;
  const start = Math.max(0, rank - n);
  const flat = await redis.zrevrange(key, start, rank + n, 'WITHSCORES');
  const entries: Around['entries'] = [];
  for (let i = 0; i < flat.length; i += 2) {
    entries.push({ rank: start + i / 2 + 1, player: flat[i]!, score: Number(flat[i + 1]), me: flat[i] === player });
  }
  const me = entries.find((e) => e.me);
  return { player, rank: me?.rank ?? rank + 1, score: me?.score ?? Number(await redis.zscore(key, player)), entries };
}
