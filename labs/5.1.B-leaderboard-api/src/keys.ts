// Every key of one game carries the game as a `{hash tag}`, so the three boards, the player's stats and
// history all land in one Redis Cluster slot and the submit script may touch them together.
// (The flip side: one game is one slot, so a single huge game cannot be spread over a cluster.)
import type { RedisClient } from '../../../shared/redis-client';
import { deleteMatching } from '../../../shared/redis-scan';
import type { KeyBuilder } from '../../../shared/keys';
import type { BoardName } from './periods';

export interface LbKeys {
  /** `…:board:{game}:daily:2026-11-23`, `…:board:{game}:weekly:2026-W48`, `…:board:{game}:alltime:all` */
  board(game: string, board: BoardName, period: string): string;
  /** Where a board is parked (RENAME) while a reset archives it. */
  archiving(game: string, board: BoardName, period: string): string;
  /** Held (with a TTL) while a reset of the board runs: a parked board without it is left over. */
  resetLock(game: string, board: BoardName, period: string): string;
  /** Hash: best, games, last, lastAt. */
  stats(game: string, player: string): string;
  /** List of JSON entries, newest first, capped. */
  history(game: string, player: string): string;
  /** Pub/sub channel of a game's top-N changes (a channel, not a key). */
  channel(game: string): string;
  /** PSUBSCRIBE pattern matching every game's channel. */
  channelPattern: string;
  /** SCAN pattern matching every key of one game. */
  gamePattern(game: string): string;
}

export function lbKeys(keys: KeyBuilder): LbKeys {
  const eventsPattern = keys.pattern('events'); // `<base>:events:*`
  return {
    board: (game, board, period) => keys.tagged('board', game, board, period),
    archiving: (game, board, period) => keys.tagged('archiving', game, board, period),
    resetLock: (game, board, period) => keys.tagged('reset-lock', game, board, period),
    stats: (game, player) => keys.tagged('player', game, player),
    history: (game, player) => keys.tagged('history', game, player),
    channel: (game) => keys.tagged('events', game),
    channelPattern: eventsPattern,
    gamePattern: (game) => `${keys.pattern().slice(0, -1)}*:{${game}}:*`,
  };
}

/**
 * Deletes every key of one game (demo and bench clean-up): SCAN + UNLINK, never FLUSHALL. The game's
 * keys share its {tag}, so on a cluster they sit on one master; the shared scan asks every master.
 */
export function deleteGame(redis: RedisClient, keys: LbKeys, game: string): Promise<number> {
  return deleteMatching(redis, keys.gamePattern(game));
}
