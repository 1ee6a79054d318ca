// Starter, exercise 1: name the periods. `npm run grade 5.1.B -- --impl starter` shows what is left.
import { NotImplementedError } from '../../../shared/errors';
import type { Period } from '../src/period-names';

export type { Period } from '../src/period-names';
export const DAY_MS = 86_400_000;

/** The UTC day containing `now`: `{ name: 'YYYY-MM-DD', start, end }` (end exclusive, in ms). */
export function utcDay(_now: number): Period {
  throw new NotImplementedError('exercise 1: name the UTC day (YYYY-MM-DD) and give its start and end');
}

/**
 * The ISO-8601 week containing `now`: `{ name: 'YYYY-Www', start: Monday 00:00 UTC, end: next Monday }`.
 * Week 1 is the week with the year's first Thursday; the ISO year is the year of the week's Thursday.
 */
export function isoWeek(_now: number): Period {
  throw new NotImplementedError('exercise 1: name the ISO week (YYYY-Www) and give its Monday-to-Monday bounds');
}
