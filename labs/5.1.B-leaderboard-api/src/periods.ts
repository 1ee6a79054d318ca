// Which period each board is in, when its key expires, and which periods can still be read.
// A period board is readable while it is the current or the previous period ("yesterday", "last week"),
// so its key is kept two periods from its start and expired with PEXPIREAT at exactly the moment it
// stops being readable: daily keys live 2 days, weekly keys 2 weeks, the all-time key forever.
import { NotFoundError } from '../../../shared/errors';
import { isoWeek, utcDay, type Period } from './period-names';

export const BOARDS = ['daily', 'weekly', 'alltime'] as const;
export type BoardName = (typeof BOARDS)[number];

const ALL_TIME: Period = { name: 'all', start: 0, end: Number.POSITIVE_INFINITY };

/** The period `board` is in at `now`. */
export function currentPeriod(board: BoardName, now: number): Period {
  if (board === 'daily') return utcDay(now);
  if (board === 'weekly') return isoWeek(now);
  return ALL_TIME;
}

/** The period before `period` on the same board. */
function previousPeriod(board: BoardName, period: Period): Period | undefined {
  return board === 'alltime' ? undefined : currentPeriod(board, period.start - 1);
}

/** The periods of `board` a reader may ask for at `now`: the current one, then the previous one. */
export function readablePeriods(board: BoardName, now: number): string[] {
  const current = currentPeriod(board, now);
  const previous = previousPeriod(board, current);
  return previous ? [current.name, previous.name] : [current.name];
}

/** PEXPIREAT time for the key of `board`'s current period: when it is no longer even the previous one. */
export function expireAt(board: BoardName, now: number): number | undefined {
  if (board === 'alltime') return undefined;
  const p = currentPeriod(board, now);
  return p.end + (p.end - p.start);
}

/** The period to read: the one asked for if it is still readable, else the current one; 404 otherwise. */
export function resolvePeriod(board: BoardName, now: number, requested?: string): string {
  const readable = readablePeriods(board, now);
  if (requested === undefined) return readable[0]!;
  if (!readable.includes(requested)) {
    throw new NotFoundError(`period ${requested} of the ${board} board cannot be read (expired, or not started)`, { readable });
  }
  return requested;
}
