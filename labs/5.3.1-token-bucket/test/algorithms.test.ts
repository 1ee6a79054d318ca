import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { fixedWindow, gcra, slidingCounter, slidingLog } from '../src/algorithms';
import { burstyTraffic, maxInAnyWindow, replay } from '../src/traffic';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.1', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

const config = { limit: 10, windowMs: 1000 };
const START = 1_700_000_000_000; // a multiple of the window, so window boundaries fall on round times
const phases = burstyTraffic(config.limit, config.windowMs);

describe('the other algorithms on the same bursty traffic', () => {
  it('fixed window lets twice the limit through across a boundary', async () => {
    const alg = fixedWindow(ctx.redis, ctx.keys, config);
    const r = await replay(phases, START, (now) => alg.hit('c', now));
    expect(r.perPhase[0]).toBe(20);
    expect(maxInAnyWindow(r.allowedTimes, config.windowMs)).toBe(20);
  });

  it('sliding window log never exceeds the limit in any window', async () => {
    const alg = slidingLog(ctx.redis, ctx.keys, config);
    const r = await replay(phases, START, (now) => alg.hit('c', now));
    expect(r.perPhase[0]).toBe(10);
    expect(maxInAnyWindow(r.allowedTimes, config.windowMs)).toBe(10);
    expect(r.perPhase[2]).toBe(10);
  });

  it('sliding window counter approximates the log with two counters', async () => {
    const alg = slidingCounter(ctx.redis, ctx.keys, config);
    const r = await replay(phases, START, (now) => alg.hit('c', now));
    expect(r.perPhase[0]).toBe(10);
    expect(r.perPhase[2]).toBe(10);
    // It assumes the previous window's requests were spread evenly, so a burst at the end of that window
    // fades out of the estimate too early: right after it, 9 more get in within the same real second.
    expect(maxInAnyWindow(r.allowedTimes, config.windowMs)).toBe(19);
  });

  it('GCRA allows the burst, then spaces requests at the emission interval', async () => {
    const alg = gcra(ctx.redis, ctx.keys, config);
    const r = await replay(phases, START, (now) => alg.hit('c', now));
    expect(r.perPhase[0]).toBe(10);
    // Steady phase: 20/s offered for 2 s, the rate is 10/s: about 20 get through.
    expect(r.perPhase[1]).toBeGreaterThanOrEqual(19);
    expect(r.perPhase[1]).toBeLessThanOrEqual(21);
    expect(r.perPhase[2]).toBe(10);
    // Like a token bucket: a full burst plus the rate, so up to limit + rate × window in one window.
    expect(maxInAnyWindow(r.allowedTimes, config.windowMs)).toBe(19);
  });
});
