import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/usage-error';
import { ValidationError } from '../../../shared/errors';
import { strategies, strategyByName } from '../src/registry';
import type { TagStrategy } from '../src/strategies/tag';
import { createTagIndex } from '../src/tags';
import { dbPrice, manualClock, openLab, updateBehindTheCache, type Lab } from './helpers';

let lab: Lab;
beforeAll(async () => {
  lab = await openLab();
});
afterAll(() => lab.dispose());

describe('registry and baseline', () => {
  it('has one uniquely named module per strategy and refuses unknown names', () => {
    const names = strategies.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['ttl', 'explicit', 'write-through', 'event', 'swr', 'tag', 'combined', 'versioned', 'write-behind']));
    expect(() => strategyByName('nope')).toThrow(UsageError);
  });

  it('no-cache reads the database every time; a bad patch is a validation error', async () => {
    const d = lab.deploy('no-cache');
    const s = await d.instance();
    await s.read(1);
    await s.read(1);
    expect(d.catalog.stats.reads).toBe(2);
    await expect(s.write(1, { priceCents: -5 })).rejects.toBeInstanceOf(ValidationError);
    await expect(s.write(1, {})).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('ttl', () => {
  it('serves the cached copy until the TTL passes, then reloads', async () => {
    const clock = manualClock();
    const d = lab.deploy('ttl', { now: clock.now, ttlMs: 1000 });
    const s = await d.instance();
    const before = (await s.read(2))!.priceCents;
    await s.write(2, { priceCents: before + 1 });
    expect((await s.read(2))!.priceCents).toBe(before); // stale, by design
    expect(d.catalog.stats.reads).toBe(1);
    clock.advance(1000);
    expect((await s.read(2))!.priceCents).toBe(before + 1);
    expect(d.catalog.stats.reads).toBe(2);
  });
});

describe('exercise 1: explicit delete', () => {
  it('a read after a write returns the new value', async () => {
    const d = lab.deploy('explicit');
    const s = await d.instance();
    await s.read(3);
    await s.write(3, { priceCents: 3333 });
    expect(await lab.ctx.redis.exists(d.keys.key('product', 3))).toBe(0);
    expect((await s.read(3))!.priceCents).toBe(3333);
    expect(d.catalog.stats.reads).toBe(2);
  });

  it('another instance sees the write too (the shared entry is gone)', async () => {
    const d = lab.deploy('explicit');
    const [a, b] = [await d.instance(), await d.instance()];
    await b.read(4);
    await a.write(4, { name: 'Renamed' });
    expect((await b.read(4))!.name).toBe('Renamed');
  });
});

describe('write-through', () => {
  it('a read after a write is fresh and costs no database read', async () => {
    const d = lab.deploy('write-through');
    const s = await d.instance();
    await s.read(5);
    const readsBefore = d.catalog.stats.reads;
    await s.write(5, { priceCents: 5555 });
    const p = await s.read(5);
    expect(p).toMatchObject({ priceCents: 5555, version: 2 });
    expect(d.catalog.stats.reads).toBe(readsBefore);
  });

  it('never replaces a newer cached version with an older one', async () => {
    const d = lab.deploy('write-through');
    const s = await d.instance();
    const key = d.keys.key('product', 6);
    await lab.ctx.redis.set(key, JSON.stringify({ v: { id: 6, name: 'newer', categoryId: 6, priceCents: 1, version: 99 }, at: Date.now() }));
    await s.write(6, { priceCents: 6666 });
    expect((await s.read(6))!.version).toBe(99);
  });
});

describe('versioned keys', () => {
  it('bumping the cache version ignores entries written by the old deploy', async () => {
    const d = lab.deploy('versioned');
    const v1 = await d.instance({ cacheVersion: 1 });
    const old = (await v1.read(9))!.priceCents;
    await updateBehindTheCache(lab.ctx, 9, 9999); // a migration the cache never heard of
    expect((await v1.read(9))!.priceCents).toBe(old);

    const v2 = await d.instance({ cacheVersion: 2 });
    const readsBefore = d.catalog.stats.reads;
    expect((await v2.read(9))!.priceCents).toBe(9999);
    expect(d.catalog.stats.reads).toBe(readsBefore + 1);
    // The old entry is still there, just never read: it expires on its own.
    expect(await lab.ctx.redis.exists(d.keys.forLab(d.keys.lab, 1).key('product', 9))).toBe(1);
    expect(await lab.ctx.redis.exists(d.keys.forLab(d.keys.lab, 2).key('product', 9))).toBe(1);
  });
});

describe('exercise 2: tag invalidation', () => {
  it('invalidating category:7 drops every entry tagged with it and nothing else', async () => {
    const d = lab.deploy('tag');
    const s = (await d.instance()) as TagStrategy;
    const seven = [7, 17, 27];
    const eight = [8, 18];
    for (const id of [...seven, ...eight]) await s.read(id);
    const exists = async (id: number) => lab.ctx.redis.exists(d.keys.key('product', id));

    expect(await s.invalidateTag('category:7')).toBe(3);
    for (const id of seven) expect(await exists(id)).toBe(0);
    for (const id of eight) expect(await exists(id)).toBe(1);
    expect(await lab.ctx.redis.exists(createTagIndex(lab.ctx.redis, d.keys).tagKey('category:7'))).toBe(0);
    expect(await s.invalidateTag('category:7')).toBe(0);
  });

  it('a write drops its whole category, so every page of it is fresh', async () => {
    await updateBehindTheCache(lab.ctx, 37, 1037); // keep the starting price known
    const d = lab.deploy('tag');
    const s = (await d.instance()) as TagStrategy;
    for (const id of [7, 37, 8]) await s.read(id);
    await updateBehindTheCache(lab.ctx, 37, 3737);
    await s.write(7, { priceCents: 7777 });
    expect((await s.read(7))!.priceCents).toBe(7777);
    expect((await s.read(37))!.priceCents).toBe(3737);
    expect(await lab.ctx.redis.exists(d.keys.key('product', 8))).toBe(1);
    expect(await dbPrice(lab.ctx, 7)).toBe(7777);
  });
});
