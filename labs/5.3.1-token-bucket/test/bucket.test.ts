import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { runRace } from '../../../harness/race';
import { createTokenBucket } from '../src/bucket';
import { manualClock, serve, type Served } from './helpers';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.1', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

describe('exercise 1: the token bucket script caller', () => {
  it('lets an idle client burst the whole capacity at once, then refuses', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket(ctx.redis, { now: clock.now });
    const spec = { key: ctx.keys.key('b', 'burst'), capacity: 5, refillPerSec: 1 };
    const allowed = [];
    for (let i = 0; i < 6; i++) allowed.push((await bucket.take([spec])).allowed);
    expect(allowed).toEqual([true, true, true, true, true, false]);
  });

  it('refills from elapsed time: rate × seconds, never above capacity', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket(ctx.redis, { now: clock.now });
    const spec = { key: ctx.keys.key('b', 'refill'), capacity: 10, refillPerSec: 2 };
    for (let i = 0; i < 10; i++) await bucket.take([spec]);
    const empty = await bucket.take([spec]);
    expect(empty).toMatchObject({ allowed: false, retryAfterMs: 500 });
    expect(empty.buckets[0]).toEqual({ remaining: 0, resetMs: 5000, retryAfterMs: 500, nextUnitMs: 500 });

    clock.advance(1500); // 3 tokens back
    const r = await bucket.take([spec]);
    expect(r.allowed).toBe(true);
    expect(r.buckets[0]!.remaining).toBe(2);
    expect(r.now).toBe(clock.now());

    clock.advance(250); // half a token: 2.5, and this take leaves 1.5
    expect((await bucket.take([spec])).buckets[0]).toEqual({ remaining: 1, resetMs: 4250, retryAfterMs: 0, nextUnitMs: 250 });

    clock.advance(60_000); // far more than needed: capped at capacity
    expect((await bucket.take([spec])).buckets[0]).toEqual({ remaining: 9, resetMs: 500, retryAfterMs: 0, nextUnitMs: 500 });
  });

  it('holds a client to the refill rate after its burst', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket(ctx.redis, { now: clock.now });
    const spec = { key: ctx.keys.key('b', 'steady'), capacity: 3, refillPerSec: 10 };
    // Three requests every 100 ms for 2 s: the burst of 3 first, then 1 per tick (10/s × 0.1 s).
    const perTick: number[] = [];
    for (let tick = 0; tick < 20; tick++) {
      let allowed = 0;
      for (let i = 0; i < 3; i++) if ((await bucket.take([spec])).allowed) allowed++;
      perTick.push(allowed);
      clock.advance(100);
    }
    expect(perTick).toEqual([3, ...Array(19).fill(1)]);
  });

  it('keeps whole tokens whole over many small refills (no float drift)', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket(ctx.redis, { now: clock.now });
    const spec = { key: ctx.keys.key('b', 'drift'), capacity: 10, refillPerSec: 10 };
    // The same traffic through an exact model in milli-tokens, where 10 tokens/s is 10 per ms.
    let milli = 10_000;
    let last = clock.now();
    const got: boolean[] = [];
    const want: boolean[] = [];
    for (let i = 0; i < 300; i++) {
      clock.advance(i % 20 < 15 ? 1 : 40); // bursts 1 ms apart, then short pauses
      const now = clock.now();
      const refilled = Math.min(10_000, milli + (now - last) * 10);
      want.push(refilled >= 1000);
      if (refilled >= 1000) [milli, last] = [refilled - 1000, now];
      got.push((await bucket.take([spec])).allowed);
    }
    expect(got).toEqual(want);
  });

  it('charges the cost, and refuses a cost larger than the capacity forever', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket(ctx.redis, { now: clock.now });
    const key = ctx.keys.key('b', 'cost');
    expect((await bucket.take([{ key, capacity: 10, refillPerSec: 1, cost: 4 }])).buckets[0]!.remaining).toBe(6);
    expect(await bucket.take([{ key, capacity: 10, refillPerSec: 1, cost: 11 }])).toMatchObject({ allowed: false, retryAfterMs: -1 });
  });

  it('checks several buckets all-or-nothing: a refusal charges none of them', async () => {
    const clock = manualClock();
    const bucket = createTokenBucket(ctx.redis, { now: clock.now });
    // One script reads both buckets, so on Redis Cluster they share a hash tag (one slot).
    const wide = { key: ctx.keys.tagged('b', 'pair', 'wide'), capacity: 100, refillPerSec: 1 };
    const narrow = { key: ctx.keys.tagged('b', 'pair', 'narrow'), capacity: 2, refillPerSec: 1 };
    await bucket.take([wide, narrow]);
    await bucket.take([wide, narrow]);
    const denied = await bucket.take([wide, narrow]);
    expect(denied.allowed).toBe(false);
    expect(denied.buckets.map((b) => b.remaining)).toEqual([98, 0]);
    expect(denied.buckets.map((b) => b.retryAfterMs)).toEqual([0, 1000]);
    expect((await bucket.take([wide])).buckets[0]!.remaining).toBe(97);
  });

  it('uses the Redis server clock when no clock is injected', async () => {
    const bucket = createTokenBucket(ctx.redis);
    const [sec] = await ctx.redis.time();
    const r = await bucket.take([{ key: ctx.keys.key('b', 'time'), capacity: 1, refillPerSec: 1 }]);
    expect(Math.abs(r.now - Number(sec) * 1000)).toBeLessThan(60_000);
  });

  describe('1,000 concurrent requests from 2 processes, capacity 100, no refill', () => {
    let apps: Served[] = [];
    afterAll(async () => {
      await Promise.all(apps.map((a) => a.close()));
    });

    it('allows exactly 100', async () => {
      // Two app instances, each with its own connection, share the bucket; the workers split the load.
      const policies = [{ name: 'race', by: ['ip' as const], capacity: 100, refillPerSec: 0 }];
      // A generous timeout: under this burst a short one would fail open and let extra requests through.
      const opts = { policies, timeoutMs: 30_000 };
      apps = [await serve(ctx.newRedis(), ctx.keys, opts), await serve(ctx.newRedis(), ctx.keys, opts)];
      const race = await runRace({
        module: new URL('./race-actor.ts', import.meta.url),
        actors: 1000,
        processes: 2,
        args: { urls: apps.map((a) => a.url) },
        invariant: (outcomes) => {
          const ok = outcomes.filter((o) => o.ok && o.value === 200).length;
          const limited = outcomes.filter((o) => o.ok && o.value === 429).length;
          return ok === 100 && limited === 900 ? [] : [`expected 100 allowed and 900 limited, got ${ok} and ${limited}`];
        },
      });
      if (race.violations.length) {
        const other = await apps[0]!.get('/api/hello');
        expect(race.violations, JSON.stringify(other.body)).toEqual([]);
      }
      expect(race.violations).toEqual([]);
    });
  });
});
