// Exercise 3: cursor pagination that stays stable while scores change.
//
// A board is read best-first: score descending, and inside one score member descending (that is the
// order ZREVRANGE and ZREVRANGEBYSCORE use). The cursor is the last (score, member) a page showed, plus
// the board and period it belongs to, as base64url JSON: opaque to the client, checked when it comes back.
// The next page starts *at that position*, not at an offset: ZREVRANGEBYSCORE from the cursor's score
// down, skipping the members of that same score we have already shown (member ≥ cursor member).
// So a member whose score does not change is on exactly one page, whatever others do meanwhile: members
// that move above the cursor do not push it onto the next page again (an offset would), and members
// that drop out do not pull it back past the cursor (an offset would skip it). A member that changes
// score may show up twice or not at all; that is correct, it really moved.
import type { RedisClient } from '../../../shared/redis-client';
import { z } from 'zod';
import { AppError } from '../../../shared/errors';
import { BOARDS, type BoardName } from './periods';

export interface Cursor {
  board: BoardName;
  period: string;
  score: number;
  player: string;
}

export interface Entry {
  /** 1-based position at the time of the read. */
  rank: number;
  player: string;
  score: number;
}

export interface Page {
  entries: Entry[];
  /** Where the next page starts, or undefined on the last page. */
  next?: Cursor;
}

const wire = z.object({ b: z.enum(BOARDS), p: z.string().min(1).max(16), s: z.number().finite(), m: z.string().min(1).max(64) });

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ b: c.board, p: c.period, s: c.score, m: c.player })).toString('base64url');
}

/** Decodes a cursor from a client; anything malformed or for another board is a 400. */
export function decodeCursor(text: string, board: BoardName): Cursor {
  let parsed: z.infer<typeof wire>;
  try {
    parsed = wire.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new AppError(400, 'invalid_cursor', 'cursor is not one this API issued');
  }
  if (parsed.b !== board) throw new AppError(400, 'invalid_cursor', `cursor belongs to the ${parsed.b} board, not ${board}`);
  return { board: parsed.b, period: parsed.p, score: parsed.s, player: parsed.m };
}

/** Reads `limit` entries of the board at `key`, after `after` when given. */
export async function readPage(redis: RedisClient, key: string, board: BoardName, period: string, limit: number, after?: Cursor): Promise<Page> {
  const found: Array<{ player: string; score: number }> = [];
  if (!after) {
    const flat = await redis.zrevrange(key, 0, limit, 'WITHSCORES'); // limit + 1: is there a next page?
    for (let i = 0; i < flat.length; i += 2) found.push({ player: flat[i]!, score: Number(flat[i + 1]) });
  } else {
    // Members with the cursor's score that sort at or before the cursor's member were shown already.
    // Read in batches until limit + 1 new entries are in hand (ties are usually few, so one batch).
    let offset = 0;
    for (;;) {
      const want = limit + 1 - found.length;
      const flat = await redis.zrevrangebyscore(key, after.score, '-inf', 'WITHSCORES', 'LIMIT', offset, want + 16);
      for (let i = 0; i < flat.length; i += 2) {
        const player = flat[i]!;
        const score = Number(flat[i + 1]);
        if (score === after.score && player >= after.player) continue;
        if (found.length <= limit) found.push({ player, score });
      }
      offset += flat.length / 2;
      if (found.length > limit || flat.length / 2 < want + 16) break;
    }
  }
  const entries = found.slice(0, limit);
  // Ranks are positions at read time: the first page starts at 1, later ones where their first entry is now.
  const first = entries[0] && after ? await redis.zrevrank(key, entries[0].player) : 0;
  const base = (first ?? 0) + 1;
  const last = entries.at(-1);
  return {
    entries: entries.map((e, i) => ({ rank: base + i, ...e })),
    next: found.length > limit && last ? { board, period, score: last.score, player: last.player } : undefined,
  };
}
