// Exercise 2: the caller of submit.lua. It names the five keys (all under the game's hash tag), passes
// the expiry times from the injected clock, and turns the flat reply into a typed result.
import type { RedisClient } from '../../../shared/redis-client';
import { luaCommand } from '../../../shared/lua';
import type { LbKeys } from './keys';
import { BOARDS, currentPeriod, expireAt, type BoardName } from './periods';

export interface BoardStanding {
  period: string;
  /** The player's best score on this board's period. */
  score: number;
  /** 1-based. */
  rank: number;
  /** Whether this submission raised the player's score on this board. */
  improved: boolean;
}

export interface SubmitResult {
  game: string;
  player: string;
  score: number;
  games: number;
  best: number;
  boards: Record<BoardName, BoardStanding>;
}

export interface SubmitOptions {
  now: () => number;
  /** How many past scores each player's history keeps. */
  historyCap: number;
  /** Top-N size of the events the script publishes. */
  eventTopN: number;
}

export type SubmitScore = (game: string, player: string, score: number) => Promise<SubmitResult>;

export function createSubmitter(redis: RedisClient, keys: LbKeys, opts: SubmitOptions): SubmitScore {
  const submit = luaCommand<Array<string | number>>(redis, 'lbapi_submit', new URL('./submit.lua', import.meta.url), 5);
  return async (game, player, score) => {
    const now = opts.now();
    const periods = BOARDS.map((b) => currentPeriod(b, now).name);
    const reply = await submit(
      [...BOARDS.map((b, i) => keys.board(game, b, periods[i]!)), keys.stats(game, player), keys.history(game, player)],
      [player, score, now, expireAt('daily', now)!, expireAt('weekly', now)!, opts.historyCap, opts.eventTopN, keys.channel(game), game, ...periods],
    );
    const boards = Object.fromEntries(
      BOARDS.map((b, i) => [b, { period: periods[i]!, score: Number(reply[i * 3]), rank: Number(reply[i * 3 + 1]) + 1, improved: Number(reply[i * 3 + 2]) === 1 }]),
    ) as Record<BoardName, BoardStanding>;
    return { game, player, score, games: Number(reply[9]), best: Number(reply[10]), boards };
  };
}
