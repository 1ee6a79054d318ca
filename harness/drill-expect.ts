// The assertions every drill test makes, in one place (tests only: it imports vitest's expect).
import { expect } from 'vitest';
import { describeDrill, type DrillResult } from './drill';
import { describeFailover, type FailoverDrillResult } from './failover-drill';

/** An outage drill held: no hang, no 5xx but 503 + Retry-After, normal again after Redis returned, every answer within `slowestMs`. */
export function expectDrillHeld(r: DrillResult, opts: { slowestMs?: number } = {}): void {
  const why = describeDrill(r);
  expect(r.hangs, why).toEqual([]);
  expect(r.unexpected, why).toEqual([]);
  expect(r.notRecovered, why).toEqual([]);
  const slowest = [...r.samples].sort((x, y) => y.ms - x.ms).slice(0, 4).map((x) => `${x.phase} ${x.status} ${Math.round(x.ms)} ms`);
  expect(r.slowestMs, `${why}; slowest: ${slowest.join(', ')}`).toBeLessThan(opts.slowestMs ?? 1000);
}

/**
 * A failover drill held: no hang, no 5xx but 503 + Retry-After, nothing failing 2 s after the
 * promotion, and requests answered `served` (the route's success status) before and after it.
 */
export function expectFailoverHeld(r: FailoverDrillResult, served = 200): void {
  const why = describeFailover(r);
  expect(r.hangs, why).toEqual([]);
  expect(r.unexpected, why).toEqual([]);
  expect(r.notRecovered, why).toEqual([]);
  expect(r.samples.some((s) => s.phase === 'before' && s.status === served), why).toBe(true);
  expect(r.samples.some((s) => s.phase === 'after' && s.status === served), why).toBe(true);
}
