// Starter, exercise 3: opaque cursors and a page read that stays stable while scores change.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { BoardName } from '../src/periods';
import type { Cursor, Page } from '../src/cursor';

export type { Cursor, Entry, Page } from '../src/cursor';

/** base64url of a small JSON object holding the cursor's board, period, score and player. */
export function encodeCursor(_c: Cursor): string {
  throw new NotImplementedError('exercise 3: encode the cursor as base64url JSON');
}

/** The inverse; anything malformed, or a cursor of another board, is `AppError(400, 'invalid_cursor', …)`. */
export function decodeCursor(_text: string, _board: BoardName): Cursor {
  throw new NotImplementedError('exercise 3: decode and check a cursor (400 invalid_cursor when it is not ours)');
}

/**
 * `limit` entries best-first, with 1-based ranks, and `next` (the last entry's score and player) when more
 * follow. Without `after`: ZREVRANGE 0..limit. With `after`: ZREVRANGEBYSCORE from `after.score` down,
 * skipping members of that same score that are ≥ `after.player` (already shown) — never an offset.
 */
export async function readPage(_redis: RedisClient, _key: string, _board: BoardName, _period: string, _limit: number, _after?: Cursor): Promise<Page> {
  throw new NotImplementedError('exercise 3: read a page after the cursor with ZREVRANGEBYSCORE');
}
