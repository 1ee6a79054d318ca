// The multi-limit decision against real Redis, on an injected clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { Limiter } from '../src/limiter';
import type { Identity, Plan, PlannedLimit } from '../src/plan';
import { TierSchema } from '../src/policy';

let ctx: LabContext;
let t = 1_700_000_000_000;
const now = () => t;
beforeAll(async () => {
  ctx = await createTestContext('5.3.B', { services: ['redis'], serving: true });
});
afterAll(() => ctx.dispose());

const tier = TierSchema.parse({ name: 'pro', limits: [] });
const lim = (name: string, capacity: number, perSec: number, shadow = false): PlannedLimit => ({ name, bucket: name, capacity, perSec, windowSec: Math.round(capacity / perSec), shadow });
const plan = (limits: PlannedLimit[], cost = 1): Plan => ({ tier, cost, limits, failMode: 'open' });
let n = 0;
const who = (): Identity => ({ id: `key:k${++n}`, tenant: 't', tier: 'pro' });

describe('exercise 2: the multi-limit Lua decision — all or nothing, in one call', () => {
  it('allows while every limit can pay, and reports what each has left', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('second', 3, 1), lim('minute', 10, 10 / 60)]);
    const d = await limiter.decide(id, p);
    expect(d.allowed).toBe(true);
    expect(d.results.map((r) => r.remaining)).toEqual([2, 9]);
  });

  it('the tightest limit refuses, and a refused request charges no limit', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('second', 2, 1), lim('minute', 10, 10 / 60)]);
    expect((await limiter.decide(id, p)).allowed).toBe(true);
    expect((await limiter.decide(id, p)).allowed).toBe(true);
    const denied = await limiter.decide(id, p);
    expect(denied.allowed).toBe(false);
    expect(denied.results.map((r) => [r.remaining, r.short])).toEqual([[0, true], [8, false]]);
    expect(denied.retryAfterSec).toBe(1);
    // Five more refusals: the minute limit still has 8 (rejected requests do not consume).
    for (let i = 0; i < 5; i++) await limiter.decide(id, p);
    t += 1_000;
    const after = await limiter.decide(id, p);
    expect(after.allowed).toBe(true);
    expect(after.results[1]!.remaining).toBe(7);
  });

  it('cost is taken from every limit; a cost above what is left refuses', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    expect((await limiter.decide(id, plan([lim('a', 5, 0.001), lim('b', 100, 0.001)], 4))).results.map((r) => r.remaining)).toEqual([1, 96]);
    const d = await limiter.decide(id, plan([lim('a', 5, 0.001), lim('b', 100, 0.001)], 2));
    expect(d.allowed).toBe(false);
    expect(d.results.map((r) => r.remaining)).toEqual([1, 96]);
  });

  it('a shadow limit never refuses: it counts a would-be denial and is not charged past empty', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('enforced', 10, 0.001), lim('shadow', 1, 0.001, true)]);
    const first = await limiter.decide(id, p);
    expect(first).toMatchObject({ allowed: true, shadowDenied: false });
    const second = await limiter.decide(id, p);
    expect(second).toMatchObject({ allowed: true, shadowDenied: true });
    expect(second.results.map((r) => r.remaining)).toEqual([8, 0]);
  });

  it('refills over time up to the burst, never beyond', async () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const p = plan([lim('s', 3, 1)]);
    for (let i = 0; i < 3; i++) await limiter.decide(id, p);
    t += 60_000;
    const d = await limiter.decide(id, p);
    expect(d.results[0]!.remaining).toBe(2);
  });
});

describe('bucket keys', () => {
  it('keeps every bucket of one identity under its hash tag (one slot, one script)', () => {
    const limiter = new Limiter(ctx.redis, ctx.keys, { now });
    const id = who();
    const keys = [lim('a', 1, 1), lim('b', 1, 1)].map((l) => limiter.bucketKey(id, l));
    for (const k of keys) expect(k).toContain(`{${id.id}}`);
  });
});
