import { describe, expect, it } from 'vitest';
import type { LabContext } from '../../../harness/context';
import { createSmartCache } from '../src/cache';
import { CacheKeyError } from '../src/errors';
import { HASH_OVER } from '../src/keys';
import { jsonSerializer } from '../src/serializer';
import { counting, makeCache, manualClock, scanAll, uniqueKey, useTestContext } from './helpers';

let ctx: LabContext;
useTestContext((c) => (ctx = c));

describe('tiers: L1 → L2 → loader', () => {
  it('loads once, then answers from L1', async () => {
    const cache = await makeCache(ctx);
    const load = counting({ id: 1 });
    const a = await cache.fetch('p:1', load);
    const b = await cache.fetch('p:1', load);
    expect(a).toEqual({ value: { id: 1 }, source: 'loader' });
    expect(b).toEqual({ value: { id: 1 }, source: 'l1' });
    expect(load.calls).toBe(1);
    expect(cache.stats.snapshot().tiers.l1.hits).toBe(1);
  });

  it('a second instance finds the value in L2 and copies it to its L1', async () => {
    const base = ctx.keys.key('sc-shared');
    const a = await makeCache(ctx, { base });
    const b = await makeCache(ctx, { base });
    const load = counting('v');
    await a.getOrSet('shared', load);
    expect(await b.fetch('shared', load)).toEqual({ value: 'v', source: 'l2' });
    expect(await b.fetch('shared', load)).toEqual({ value: 'v', source: 'l1' });
    expect(load.calls).toBe(1);
  });

  it('runs L1-only (no Redis at all)', async () => {
    const cache = createSmartCache({ keyBase: 'unused' });
    const load = counting(42);
    expect(await cache.getOrSet('x', load)).toBe(42);
    expect(await cache.getOrSet('x', load)).toBe(42);
    expect(load.calls).toBe(1);
    expect(cache.l2).toBeUndefined();
    expect((await cache.health()).status).toBe('l1-only');
  });

  it('runs L2-only: every read goes to Redis', async () => {
    const cache = await makeCache(ctx, { l1: false });
    const load = counting('only-l2');
    await cache.getOrSet('k', load);
    expect(await cache.fetch('k', load)).toEqual({ value: 'only-l2', source: 'l2' });
    expect(cache.l1).toBeUndefined();
    expect(await ctx.redis.exists(cache.keys.data('default', 'k'))).toBe(1);
  });

  it('expires entries after their TTL (L1 and L2 agree on the clock)', async () => {
    const now = manualClock();
    const cache = await makeCache(ctx, { now, ttl: 1000 });
    const load = counting((n) => `v${n}`);
    expect(await cache.getOrSet('ttl', load)).toBe('v1');
    now.advance(999);
    expect(await cache.getOrSet('ttl', load)).toBe('v1');
    now.advance(2);
    expect(await cache.getOrSet('ttl', load)).toBe('v2');
    const pttl = await ctx.redis.pttl(cache.keys.data('default', 'ttl'));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(1000);
  });

  it('bounds L1 by entry count and by bytes', async () => {
    const byCount = createSmartCache({ keyBase: 'x', l1: { maxEntries: 3 } });
    for (let i = 0; i < 5; i++) await byCount.set(`k${i}`, i);
    expect(byCount.l1!.size).toBe(3);
    expect(await byCount.get('k0')).toBeUndefined();
    expect(await byCount.get('k4')).toBe(4);

    const bySize = createSmartCache({ keyBase: 'x', l1: { maxEntries: 1000, maxBytes: 2000 } });
    for (let i = 0; i < 10; i++) await bySize.set(`k${i}`, 'x'.repeat(500));
    expect(bySize.l1!.bytes).toBeLessThanOrEqual(2000);
    expect(bySize.l1!.size).toBeLessThan(10);
  });

  it('get / set / delete / deleteMany', async () => {
    const cache = await makeCache(ctx);
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(await cache.get('a')).toBe(1);
    expect(await cache.delete('a')).toBe(1);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.deleteMany(['b', 'c', 'missing'])).toBe(2);
    expect(await cache.get('b')).toBeUndefined();
    expect(await ctx.redis.exists(cache.keys.data('default', 'c'))).toBe(0);
  });

  it('keeps namespaces apart', async () => {
    const cache = await makeCache(ctx);
    await cache.set('same', 'users', { namespace: 'users' });
    await cache.set('same', 'products', { namespace: 'products' });
    expect(await cache.get('same', { namespace: 'users' })).toBe('users');
    expect(await cache.get('same', { namespace: 'products' })).toBe('products');
    await expect(cache.get('x', { namespace: 'bad ns' })).rejects.toBeInstanceOf(CacheKeyError);
  });

  it('does not cache undefined (nothing found) but does cache null', async () => {
    const cache = await makeCache(ctx);
    const none = counting(undefined);
    await cache.getOrSet('none', none);
    await cache.getOrSet('none', none);
    expect(none.calls).toBe(2);
    const nil = counting(null);
    await cache.getOrSet('nil', nil);
    expect(await cache.getOrSet('nil', nil)).toBeNull();
    expect(nil.calls).toBe(1);
  });

  it('a loader error reaches the caller and is not cached', async () => {
    const cache = await makeCache(ctx);
    await expect(cache.getOrSet('boom', () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.getOrSet('boom', () => 'ok')).toBe('ok');
    expect(cache.stats.snapshot().loaderErrors).toBe(1);
  });
});

describe('serialization', () => {
  const entity = {
    id: 7n,
    at: new Date('2024-05-01T10:00:00.000Z'),
    attrs: new Map<string, unknown>([['color', 'red'], ['size', 42]]),
    blob: Buffer.from([0, 1, 2, 250]),
    nested: { big: 12345678901234567890n, when: [new Date(0)] },
  };

  it('Dates, BigInts, Maps and Buffers round-trip through Redis (superjson)', async () => {
    const base = ctx.keys.key('sc-ser');
    await (await makeCache(ctx, { base })).set('e', entity);
    const other = await makeCache(ctx, { base });
    const got = await other.fetch('e', () => undefined);
    expect(got.source).toBe('l2');
    expect(got.value).toEqual(entity);
    const v = got.value as unknown as typeof entity;
    expect(v.at).toBeInstanceOf(Date);
    expect(typeof v.id).toBe('bigint');
    expect(v.attrs).toBeInstanceOf(Map);
    expect(Buffer.isBuffer(v.blob)).toBe(true);
  });

  it('plain JSON cannot: a BigInt is refused (a cache failure, not the caller’s) and Dates come back as strings', async () => {
    const base = ctx.keys.key('sc-json');
    const cache = await makeCache(ctx, { base, serializer: jsonSerializer, l1: false });
    expect(await cache.getOrSet('big', () => ({ n: 1n }))).toEqual({ n: 1n });
    expect(cache.stats.snapshot().errors.serialize).toBe(1);
    await cache.set('d', { at: new Date(0) });
    expect(await cache.get('d')).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });
});

describe('keys and sensitive fields', () => {
  it('rejects control characters, empty and absurdly long keys', async () => {
    const cache = createSmartCache({ keyBase: 'x' });
    await expect(cache.getOrSet('a\nb', () => 1)).rejects.toBeInstanceOf(CacheKeyError);
    await expect(cache.getOrSet('a\u0000b', () => 1)).rejects.toBeInstanceOf(CacheKeyError);
    await expect(cache.getOrSet('', () => 1)).rejects.toBeInstanceOf(CacheKeyError);
    await expect(cache.getOrSet('x'.repeat(5000), () => 1)).rejects.toBeInstanceOf(CacheKeyError);
  });

  it('hashes long keys into a bounded Redis key', async () => {
    const cache = await makeCache(ctx);
    const long = `search?q=${'redis '.repeat(100)}`;
    await cache.set(long, 'found');
    expect(await cache.get(long)).toBe('found');
    const [stored] = await scanAll(ctx.redis, cache.keys.match('default', 'search*'));
    const key = cache.keys.parse(stored!)!.key;
    expect(key.length).toBeLessThan(HASH_OVER);
    expect(key).toMatch(/#[0-9a-f]{40}$/);
  });

  it('never stores fields marked sensitive, in any tier', async () => {
    const cache = await makeCache(ctx, { sensitiveFields: ['passwordHash'] });
    const user = { id: 1, email: 'ada@example.com', passwordHash: '$2b$10$secret', profile: { token: 't0k', bio: 'hi' } };
    const got = await cache.getOrSet('u1', () => user, { sensitive: ['token'] });
    expect(got).toEqual({ id: 1, email: 'ada@example.com', profile: { bio: 'hi' } });
    expect(await cache.getOrSet('u1', () => user)).toEqual(got);
    const raw = await ctx.redis.get(cache.keys.data('default', 'u1'));
    expect(raw).toContain('ada@example.com');
    expect(raw).not.toContain('secret');
    expect(raw).not.toContain('t0k');
  });
});

describe('in-process single-flight', () => {
  it('50 concurrent callers in one process share one loader call', async () => {
    const cache = await makeCache(ctx);
    const key = uniqueKey();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = counting(async () => {
      await gate;
      return 'once';
    });
    const all = Promise.all(Array.from({ length: 50 }, () => cache.getOrSet(key, load)));
    release();
    expect(new Set(await all)).toEqual(new Set(['once']));
    expect(load.calls).toBe(1);
  });
});
