// A player's statistics (written by submit.lua) plus their current rank on each board, and the capped
// history of past scores with the ranks each one reached.
import type { RedisClient } from '../../../shared/redis-client';
import type { LbKeys } from './keys';
import { BOARDS, currentPeriod, type BoardName } from './periods';

export interface PlayerStats {
  game: string;
  player: string;
  best: number;
  games: number;
  lastScore: number;
  lastAt: string;
  /** Current standing on each board's current period, or null when the player has no score there yet. */
  ranks: Record<BoardName, { period: string; rank: number; score: number } | null>;
}

export interface HistoryEntry {
  score: number;
  at: string;
  ranks: Record<BoardName, number>;
}

export async function playerStats(redis: RedisClient, keys: LbKeys, game: string, player: string, now: number): Promise<PlayerStats | undefined> {
  const stats = await redis.hgetall(keys.stats(game, player));
  if (!stats.games) return undefined;
  const periods = BOARDS.map((b) => currentPeriod(b, now).name);
  const pipe = redis.pipeline();
  BOARDS.forEach((b, i) => pipe.zrevrank(keys.board(game, b, periods[i]!), player).zscore(keys.board(game, b, periods[i]!), player));
  const replies = (await pipe.exec()) ?? [];
  const ranks = Object.fromEntries(
    BOARDS.map((b, i) => {
      const rank = replies[i * 2]?.[1] as number | null;
      const score = replies[i * 2 + 1]?.[1] as string | null;
      return [b, rank === null || score === null ? null : { period: periods[i]!, rank: rank + 1, score: Number(score) }];
    }),
  ) as PlayerStats['ranks'];
  return {
    game,
    player,
    best: Number(stats.best),
    games: Number(stats.games),
    lastScore: Number(stats.last),
    lastAt: new Date(Number(stats.lastAt)).toISOString(),
    ranks,
  };
}

/** Newest first; undefined when the player never played this game. */
export async function playerHistory(redis: RedisClient, keys: LbKeys, game: string, player: string, limit: number): Promise<HistoryEntry[] | undefined> {
  const [[, exists], [, items]] = (await redis.multi().exists(keys.stats(game, player)).lrange(keys.history(game, player), 0, limit - 1).exec()) as [[null, number], [null, string[]]];
  if (!exists) return undefined;
  return items.map((text) => {
    const e = JSON.parse(text) as { score: number; at: number; ranks: Record<BoardName, number> };
    return { score: e.score, at: new Date(e.at).toISOString(), ranks: e.ranks };
  });
}
