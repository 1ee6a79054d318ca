import { describe, expect, it } from 'vitest';
import type { LabContext } from '../../../harness/context';
import { waitFor } from '../../../harness/ports';
import { runRace } from '../../../harness/race';
import { counting, makeCache, uniqueKey, useTestContext } from './helpers';

let ctx: LabContext;
useTestContext((c) => (ctx = c));

describe('exercise 2: cross-process stampede protection', () => {
  it('two instances, one cold key: the loader runs once, the other instance waits for it', async () => {
    const base = ctx.keys.key('sc-st');
    // A long wait: this test is about waiting for the holder, however slow the machine is today.
    const a = await makeCache(ctx, { base, lockWaitMs: 30_000 });
    const b = await makeCache(ctx, { base, lockWaitMs: 30_000 });
    const key = uniqueKey();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = counting(async () => {
      await gate;
      return 'from the database';
    });
    const first = a.fetch(key, load);
    // a holds the lock once its loader has started
    while (load.calls === 0) await new Promise((r) => setImmediate(r));
    const second = Promise.all(Array.from({ length: 10 }, () => b.fetch(key, load)));
    let settled = false;
    second.then(
      () => (settled = true),
      () => (settled = true),
    );
    await waitFor(() => b.bus!.waiting > 0 || settled, { what: 'b to wait for the lock holder' });
    release();
    expect((await first).source).toBe('loader');
    const seconds = await second;
    expect(seconds.every((f) => f.value === 'from the database')).toBe(true);
    expect(load.calls).toBe(1);
    expect(await ctx.redis.exists(a.keys.lock('default', key))).toBe(0);
  });

  it('a waiter takes over when the holder vanishes without filling', async () => {
    const base = ctx.keys.key('sc-st2');
    const b = await makeCache(ctx, { base, bus: false });
    const key = uniqueKey();
    // A "dead" holder: its lock is there and expires soon; nobody fills the key.
    await ctx.redis.set(b.keys.lock('default', key), 'dead-process', 'PX', 150);
    const load = counting('recovered');
    expect(await b.getOrSet(key, load)).toBe('recovered');
    expect(load.calls).toBe(1);
  });

  it('100 concurrent requests across 2 processes for a cold key → exactly 1 loader call', async () => {
    const key = uniqueKey('cold');
    const counterKey = ctx.keys.key('loads', key);
    const result = await runRace({
      module: new URL('./race-actor.ts', import.meta.url),
      actors: 100,
      processes: 2,
      args: { redisUrl: ctx.services.redis.url, keyBase: ctx.keys.key('sc-race'), key, counterKey },
    });
    const failure = result.outcomes.find((o) => !o.ok);
    if (failure && !failure.ok) throw new Error(`actor ${failure.index} failed: ${failure.error}`);
    expect(await ctx.redis.get(counterKey)).toBe('1');
    const values = new Set(result.outcomes.map((o) => (o.ok ? o.value : '')));
    expect(values.size).toBe(1);
  }, 90_000); // two tsx processes start, compile the lab and connect (to every node on a cluster): slow on a busy box

  it('the response cache: 100 concurrent cold requests to one URL across 2 processes → the route runs once', async () => {
    const runsKey = ctx.keys.key('http-runs');
    const actors = 100;
    const result = await runRace({
      module: new URL('./race-http-actor.ts', import.meta.url),
      actors,
      processes: 2,
      args: { redisUrl: ctx.services.redis.url, keyBase: ctx.keys.key('sc-http-race'), runsKey, arrivedKey: ctx.keys.key('http-arrived'), actors },
    });
    const failure = result.outcomes.find((o) => !o.ok);
    if (failure && !failure.ok) throw new Error(`actor ${failure.index} failed: ${failure.error}`);
    expect(await ctx.redis.get(runsKey)).toBe('1');
    const answers = result.outcomes.map((o) => (o.ok ? String(o.value) : ''));
    const bodies = new Set(answers.map((a) => a.slice(a.indexOf(' {'))));
    expect(bodies.size).toBe(1);
    // One request ran the route (MISS); the others waited for its answer (MISS, shared), or came late (HIT).
    expect(answers.filter((a) => a.startsWith('MISS {'))).toHaveLength(1);
    expect(answers.filter((a) => a.startsWith('MISS shared {')).length).toBeGreaterThan(0);
    expect(answers.every((a) => /^(MISS|MISS shared|HIT) \{/.test(a))).toBe(true);
  }, 90_000);
});
