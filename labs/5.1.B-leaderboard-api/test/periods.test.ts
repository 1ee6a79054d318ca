import { describe, expect, it } from 'vitest';
import { isoWeek, utcDay } from '../src/period-names';
import { expireAt, readablePeriods } from '../src/periods';
import { fails, T0, useApi } from './helpers';

const env = useApi();

describe('exercise 1: period names', () => {
  it('names the UTC day and gives its bounds', () => {
    expect(utcDay(T0)).toEqual({ name: '2030-01-15', start: Date.UTC(2030, 0, 15), end: Date.UTC(2030, 0, 16) });
    expect(utcDay(Date.UTC(2030, 0, 15)).name).toBe('2030-01-15');
    expect(utcDay(Date.UTC(2030, 0, 16) - 1).name).toBe('2030-01-15');
    expect(utcDay(Date.UTC(2030, 11, 31, 23, 59)).name).toBe('2030-12-31');
  });

  it('names ISO weeks, Monday to Sunday, across year ends', () => {
    expect(isoWeek(T0)).toEqual({ name: '2030-W03', start: Date.UTC(2030, 0, 14), end: Date.UTC(2030, 0, 21) });
    expect(isoWeek(Date.UTC(2026, 10, 23)).name).toBe('2026-W48');
    expect(isoWeek(Date.UTC(2027, 0, 1)).name).toBe('2026-W53'); // a Friday: still the last week of 2026
    expect(isoWeek(Date.UTC(2024, 11, 30)).name).toBe('2025-W01'); // a Monday: already week 1 of 2025
    expect(isoWeek(Date.UTC(2030, 0, 20, 23, 59)).name).toBe('2030-W03'); // Sunday night
    expect(isoWeek(Date.UTC(2030, 0, 21)).name).toBe('2030-W04'); // Monday
  });

  it('expires a period key when it stops being readable (2 days, 2 weeks)', () => {
    expect(expireAt('daily', T0)).toBe(Date.UTC(2030, 0, 17));
    expect(expireAt('weekly', T0)).toBe(Date.UTC(2030, 0, 28));
    expect(expireAt('alltime', T0)).toBeUndefined();
    expect(readablePeriods('daily', T0)).toEqual(['2030-01-15', '2030-01-14']);
    expect(readablePeriods('weekly', T0)).toEqual(['2030-W03', '2030-W02']);
  });

  it('answers 404 for a period that is neither the current nor the previous one', async () => {
    for (const path of ['/games/per/boards/daily?period=2030-01-13', '/games/per/boards/daily?period=2030-01-16', '/games/per/boards/weekly?period=2030-W01']) {
      fails(await env.lb.api.get(path), 404, 'not_found');
    }
  });
});
