import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../context';
import { LatencyRecorder, measure } from '../latency';
import { loadApp } from '../load';
import { runRace, splitEvenly } from '../race';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('harness', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

describe('latency', () => {
  it('measures every iteration after the warm-up, percentiles in order', async () => {
    let calls = 0;
    const s = await measure(() => ctx.redis.ping().then(() => calls++), { iterations: 300, warmup: 20, concurrency: 4 });
    expect(calls).toBe(320);
    expect(s.count).toBe(300);
    expect(s.p50).toBeGreaterThan(0);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.max);
    expect(s.opsPerSec).toBeGreaterThan(0);
  });

  it('ops/s counts the wall time of every start/stop interval, not only the last', () => {
    let now = 0n;
    const rec = new LatencyRecorder(() => now);
    rec.start();
    for (let i = 0; i < 10; i++) rec.recordNanos(1_000);
    now += 1_000_000_000n;
    rec.stop();
    now += 5_000_000_000n; // between rounds: not measured
    rec.start();
    for (let i = 0; i < 10; i++) rec.recordNanos(1_000);
    now += 1_000_000_000n;
    rec.stop();
    expect(rec.stats().opsPerSec).toBe(10); // 20 calls over 2 measured seconds
  });
});

describe('load', () => {
  it('drives an app from a separate process and counts non-2xx answers', async () => {
    const app = express();
    let hits = 0;
    app.get('/flaky', (_req, res) => {
      hits++;
      res.status(hits % 2 ? 200 : 503).json({ hits });
    });
    const r = await loadApp(app, { path: '/flaky', duration: 1, connections: 4 });
    // Requests still in flight when the duration ends are served but not counted: at most one per connection.
    expect(r.total).toBeGreaterThan(0);
    expect(hits - r.total).toBeGreaterThanOrEqual(0);
    expect(hits - r.total).toBeLessThanOrEqual(4);
    expect(Math.abs(r.non2xx - r.total / 2)).toBeLessThanOrEqual(4);
    expect(r.requestsPerSec).toBeGreaterThan(0);
  });
});

describe('race runner', () => {
  it('splits actors evenly over processes', () => {
    expect(splitEvenly(10, 3)).toEqual([
      { from: 0, count: 4 },
      { from: 4, count: 3 },
      { from: 7, count: 3 },
    ]);
  });

  it('exposes a lost update: read-modify-write without coordination', async () => {
    const key = ctx.keys.key('race', 'unsafe');
    await ctx.redis.set(key, 0);
    const race = await runRace({
      module: new URL('./fixtures/counter-actor.ts', import.meta.url),
      exportName: 'unsafe',
      actors: 50,
      args: { url: ctx.services.redis.url, key },
      invariant: async () => {
        const v = Number(await ctx.redis.get(key));
        return v === 50 ? [] : [`counter is ${v}, expected 50: ${50 - v} updates lost`];
      },
    });
    expect(race.violations).toHaveLength(1);
    expect(race.violations[0]).toMatch(/updates lost/);
  });

  it('atomic INCR from two worker processes loses nothing', async () => {
    const key = ctx.keys.key('race', 'safe');
    const race = await runRace({
      module: new URL('./fixtures/counter-actor.ts', import.meta.url),
      exportName: 'atomic',
      actors: 400,
      processes: 2,
      args: { url: ctx.services.redis.url, key },
      invariant: async (outcomes) => {
        const v = Number(await ctx.redis.get(key));
        const failed = outcomes.filter((o) => !o.ok).length;
        return v === 400 && failed === 0 ? [] : [`counter ${v}, ${failed} failed`];
      },
    });
    expect(race.violations).toEqual([]);
    expect(new Set(race.outcomes.map((o) => (o.ok ? o.value : -1))).size).toBe(400);
  });

  it('reports an actor module that does not exist', async () => {
    await expect(runRace({ module: new URL('./fixtures/counter-actor.ts', import.meta.url), exportName: 'nope', actors: 1, args: {} })).rejects.toThrow(/no race actor export "nope"/);
  });
});

