import { describe, expect, it } from 'vitest';
import type { LabContext } from '../../../harness/context';
import { waitFor } from '../../../harness/ports';
import { counting, makeCache, manualClock, useTestContext } from './helpers';

let ctx: LabContext;
useTestContext((c) => (ctx = c));

describe('exercise 1: grace and stale-while-revalidate', () => {
  it('serves the stale value at once while one background refresh runs', async () => {
    const now = manualClock();
    const cache = await makeCache(ctx, { now, ttl: 1000, grace: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = counting(async (n) => {
      if (n > 1) await gate;
      return `v${n}`;
    });
    expect(await cache.getOrSet('swr', load)).toBe('v1');
    now.advance(1500);
    const during = await Promise.all(Array.from({ length: 20 }, () => cache.fetch('swr', load)));
    expect(during.every((f) => f.value === 'v1' && f.source === 'stale')).toBe(true);
    await waitFor(() => load.calls === 2, { what: 'the background refresh to start' });
    const more = await Promise.all(Array.from({ length: 20 }, () => cache.fetch('swr', load)));
    expect(more.every((f) => f.source === 'stale')).toBe(true);
    expect(load.calls).toBe(2); // one refresh for forty stale reads
    release();
    await waitFor(async () => (await cache.fetch('swr', load)).value === 'v2', { what: 'the refreshed value' });
    expect(load.calls).toBe(2);
    expect(cache.stats.snapshot().staleServes).toBeGreaterThanOrEqual(40);
  });

  it('serves stale while the loader fails, until the grace period ends', async () => {
    const now = manualClock();
    const cache = await makeCache(ctx, { now, ttl: 1000, grace: 5000, refreshBackoffMs: 0 });
    let failing = false;
    const load = counting(async () => {
      if (failing) throw new Error('database down');
      return 'good';
    });
    await cache.getOrSet('g', load);
    failing = true;
    now.advance(2000);
    expect(await cache.fetch('g', load)).toEqual({ value: 'good', source: 'stale' });
    await waitFor(() => load.calls >= 2, { what: 'the failed background refresh' });
    now.advance(2000);
    expect(await cache.fetch('g', load)).toEqual({ value: 'good', source: 'stale' });
    now.advance(2500); // past ttl + grace
    await expect(cache.getOrSet('g', load)).rejects.toThrow('database down');
  });

  it('without swr, refreshes first and falls back to stale only if the loader fails', async () => {
    const now = manualClock();
    const cache = await makeCache(ctx, { now, ttl: 1000, grace: 10_000, swr: false });
    let failing = false;
    const load = counting(async (n) => {
      if (failing) throw new Error('nope');
      return `v${n}`;
    });
    await cache.getOrSet('f', load);
    now.advance(1500);
    expect(await cache.fetch('f', load)).toEqual({ value: 'v2', source: 'loader' });
    now.advance(1500);
    failing = true;
    expect(await cache.fetch('f', load)).toEqual({ value: 'v2', source: 'stale' });
  });

  it('a stale entry in L2 serves another instance too (grace survives in Redis)', async () => {
    const now = manualClock();
    const base = ctx.keys.key('sc-grace');
    const a = await makeCache(ctx, { base, now, ttl: 1000, grace: 60_000 });
    const b = await makeCache(ctx, { base, now, ttl: 1000, grace: 60_000 });
    await a.set('shared', 'old');
    now.advance(5000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got = await b.fetch('shared', async () => {
      await gate;
      return 'new';
    });
    expect(got).toEqual({ value: 'old', source: 'stale' });
    release();
    await waitFor(async () => (await a.get('shared')) === 'new', { what: 'the refresh reaching L2' });
  });
});
