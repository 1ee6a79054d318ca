// Period names for the daily and weekly boards: a UTC calendar day (`2026-11-23`) and an ISO-8601 week
// (`2026-W48`). The name goes into the board's key, so every instance that shares a clock writes the same
// key without talking to the others.

export interface Period {
  /** `2026-11-23`, `2026-W48` or `all`. */
  name: string;
  /** First millisecond of the period (UTC). */
  start: number;
  /** First millisecond after it (exclusive). */
  end: number;
}

export const DAY_MS = 86_400_000;

const pad = (n: number) => String(n).padStart(2, '0');

/** The UTC day that contains `now`. */
export function utcDay(now: number): Period {
  const start = Math.floor(now / DAY_MS) * DAY_MS;
  const d = new Date(start);
  return { name: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`, start, end: start + DAY_MS };
}

/**
 * The ISO week that contains `now`: weeks start on Monday, and week 1 is the week with the year's first
 * Thursday, so 2027-01-01 (a Friday) is in 2026-W53 and 2024-12-30 (a Monday) is in 2025-W01.
 */
export function isoWeek(now: number): Period {
  const day = utcDay(now).start;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  const start = day - weekday * DAY_MS;
  const thursday = new Date(start + 3 * DAY_MS);
  const year = thursday.getUTCFullYear(); // the ISO year is the year its Thursday falls in
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return { name: `${year}-W${pad(week)}`, start, end: start + 7 * DAY_MS };
}
