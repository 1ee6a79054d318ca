import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../harness/ports';
import type { SwrStrategy } from '../src/strategies/swr';
import { manualClock, openLab, updateBehindTheCache, type Lab } from './helpers';

let lab: Lab;
beforeAll(async () => {
  lab = await openLab();
});
afterAll(() => lab.dispose());

describe('exercise 3: stale-while-revalidate', () => {
  it('serves the stale copy and refreshes it with exactly one background load across instances', async () => {
    const clock = manualClock();
    const d = lab.deploy('swr', { now: clock.now, ttlMs: 1000, staleMs: 10_000 });
    const a = (await d.instance()) as SwrStrategy;
    const b = (await d.instance()) as SwrStrategy;
    const old = (await a.read(21))!.priceCents;
    expect(d.catalog.stats.reads).toBe(1);
    await updateBehindTheCache(lab.ctx, 21, 2121);

    clock.advance(1500); // past fresh, inside the stale window
    const reads = await Promise.all([...Array.from({ length: 5 }, () => a.read(21)), ...Array.from({ length: 5 }, () => b.read(21))]);
    expect(reads.map((p) => p!.priceCents)).toEqual(Array(10).fill(old));
    await Promise.all([a.settle(), b.settle()]);
    expect(a.backgroundLoads + b.backgroundLoads).toBe(1);
    expect(d.catalog.stats.reads).toBe(2);

    expect((await b.read(21))!.priceCents).toBe(2121);
    expect(d.catalog.stats.reads).toBe(2);
  });

  it('a refresh that loaded the old row before a write does not put it back after the invalidation', async () => {
    const clock = manualClock();
    const d = lab.deploy('swr', { now: clock.now, ttlMs: 1000, staleMs: 10_000 });
    const s = (await d.instance()) as SwrStrategy;
    const old = (await s.read(24))!.priceCents;
    // Hold the refresh between its database read and its cache write.
    let loaded = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = d.catalog.load.bind(d.catalog);
    d.catalog.load = async (id) => {
      const p = await load(id);
      loaded = true;
      await gate;
      return p;
    };
    clock.advance(1500);
    expect((await s.read(24))!.priceCents).toBe(old); // stale, and the refresh is on its way
    await waitFor(() => loaded, { what: 'the refresh to read the old row' });
    await updateBehindTheCache(lab.ctx, 24, 2424);
    await lab.ctx.redis.unlink(d.keys.key('product', 24)); // what an invalidation does
    release();
    await s.settle();
    d.catalog.load = load;
    expect(await lab.ctx.redis.exists(d.keys.key('product', 24))).toBe(0);
    expect((await s.read(24))!.priceCents).toBe(2424);
  });

  it('combined: an aged entry is served stale once, then refreshed in the background', async () => {
    const clock = manualClock();
    const d = lab.deploy('combined', { now: clock.now, ttlMs: 1000, staleMs: 10_000 });
    const s = await d.instance();
    const old = (await s.read(23))!.priceCents;
    await updateBehindTheCache(lab.ctx, 23, 2323);
    clock.advance(1500); // L1 expired, L2 stale
    expect((await s.read(23))!.priceCents).toBe(old);
    await s.settle!();
    expect(d.catalog.stats.reads).toBe(2);
    clock.advance(1001); // the L1 copy (taken from the stale entry) ages out; L2 now holds the refreshed row
    expect((await s.read(23))!.priceCents).toBe(2323);
  });
});

describe('swr hard TTL', () => {
  it('past the hard TTL (fresh + stale) the reader waits for the database instead', async () => {
    const clock = manualClock();
    const d = lab.deploy('swr', { now: clock.now, ttlMs: 1000, staleMs: 2000 });
    const s = (await d.instance()) as SwrStrategy;
    await s.read(22);
    await updateBehindTheCache(lab.ctx, 22, 2222);
    clock.advance(3000);
    expect((await s.read(22))!.priceCents).toBe(2222);
    expect(s.backgroundLoads).toBe(0);
  });
});
