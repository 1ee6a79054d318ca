import { describe, expect, it } from 'vitest';
import type { LabContext } from '../../../harness/context';
import { waitFor } from '../../../harness/ports';
import { makeCache, scanAll, useTestContext } from './helpers';

let ctx: LabContext;
useTestContext((c) => (ctx = c));

/** Two instances on one key base: what one does, the other's L1 must learn over the bus. */
async function pair(label: string) {
  const base = ctx.keys.key(label);
  return [await makeCache(ctx, { base }), await makeCache(ctx, { base })] as const;
}

describe('invalidation across instances (the bus)', () => {
  it('a delete on one instance drops the L1 entry on the other', async () => {
    const [a, b] = await pair('bus-del');
    await a.set('p:1', 'v1');
    expect(await b.fetch('p:1', () => 'unused')).toMatchObject({ source: 'l2' }); // now in b's L1
    expect(b.l1!.get('default', 'p:1')).toBeDefined();
    await a.delete('p:1');
    await waitFor(() => b.l1!.get('default', 'p:1') === undefined, { what: "b's L1 entry to be dropped" });
    expect(await b.getOrSet('p:1', () => 'reloaded')).toBe('reloaded');
  });

  it('a write on one instance replaces the value the other serves', async () => {
    const [a, b] = await pair('bus-set');
    await a.set('cfg', 'old');
    expect(await b.get('cfg')).toBe('old');
    await a.set('cfg', 'new');
    await waitFor(async () => (await b.get('cfg')) === 'new', { what: 'b to see the new value' });
  });
});

describe('tag index', () => {
  it('the tag set lives as long as its longest entry', async () => {
    const cache = await makeCache(ctx);
    await cache.set('short', 1, { tags: ['life'], ttl: 10_000 });
    await cache.set('long', 2, { tags: ['life'], ttl: 100_000 });
    await cache.set('short2', 3, { tags: ['life'], ttl: 10_000 });
    expect(await ctx.redis.pttl(cache.keys.tag('life'))).toBeGreaterThan(50_000);
  });
});

describe('exercise 3: tag invalidation', () => {
  it('deletes every entry written with a tag, in Redis and in L1, and the tag set', async () => {
    const cache = await makeCache(ctx);
    await cache.set('p:1', 'one', { tags: ['product:1', 'products'] });
    await cache.set('p:2', 'two', { tags: ['product:2', 'products'] });
    await cache.set('c:1', 'cat', { tags: ['categories'] });
    expect(await ctx.redis.zcard(cache.keys.tag('products'))).toBe(2);
    expect(await cache.invalidateTags(['products'])).toBe(2);
    expect(await cache.get('p:1')).toBeUndefined();
    expect(await cache.get('p:2')).toBeUndefined();
    expect(await cache.get('c:1')).toBe('cat');
    expect(await ctx.redis.exists(cache.keys.tag('products'))).toBe(0);
    expect(await ctx.redis.zcard(`${cache.keys.tag('products')}:detached`)).toBe(0);
  });

  it('handles tag sets larger than one SSCAN batch', async () => {
    const cache = await makeCache(ctx, { l1: false });
    for (let i = 0; i < 1200; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => cache.set(`many:${i + j}`, i + j, { tags: ['bulk'] })));
    expect(await ctx.redis.zcard(cache.keys.tag('bulk'))).toBe(1200);
    expect(await cache.invalidateTags(['bulk'])).toBe(1200);
    expect(await scanAll(ctx.redis, cache.keys.match('default', 'many:*'))).toEqual([]); // every master's keys
  });

  it('tells the other instances: their tagged L1 entries go too', async () => {
    const [a, b] = await pair('bus-tags');
    await a.set('p:9', 'nine', { tags: ['product:9'] });
    await b.get('p:9');
    expect(b.l1!.get('default', 'p:9')).toBeDefined();
    await a.invalidateTags(['product:9']);
    await waitFor(() => b.l1!.get('default', 'p:9') === undefined, { what: "b's tagged L1 entry to go" });
  });

});

describe('exercise 4: pattern and namespace invalidation (SCAN + UNLINK)', () => {
  it('deletes the keys of a namespace matching a pattern, and nothing else', async () => {
    const cache = await makeCache(ctx);
    for (let i = 0; i < 30; i++) await cache.set(`user:${i}:profile`, i, { namespace: 'users' });
    await cache.set('user:1:profile', 'other ns', { namespace: 'admins' });
    await cache.set('team:1', 't', { namespace: 'users' });
    expect(await cache.deletePattern('user:*:profile', { namespace: 'users' })).toBe(30);
    expect(await cache.get('user:3:profile', { namespace: 'users' })).toBeUndefined();
    expect(await cache.get('team:1', { namespace: 'users' })).toBe('t');
    expect(await cache.get('user:1:profile', { namespace: 'admins' })).toBe('other ns');
  });

  it('clears a whole namespace on every instance', async () => {
    const [a, b] = await pair('bus-ns');
    for (let i = 0; i < 20; i++) await a.set(`k${i}`, i, { namespace: 'session' });
    await a.set('keep', 1, { namespace: 'other' });
    expect(await b.get('k1', { namespace: 'session' })).toBe(1);
    expect(await a.clearNamespace('session')).toBe(20);
    await waitFor(() => b.l1!.get('session', 'k1') === undefined, { what: "b's namespace to be cleared" });
    expect(await a.listKeys('*', { namespace: 'session' })).toEqual([]);
    expect(await a.get('keep', { namespace: 'other' })).toBe(1);
  });

  it('lists keys by pattern with SCAN, across namespaces or within one', async () => {
    const cache = await makeCache(ctx, { base: ctx.keys.key('list') });
    await cache.set('order:1', 1, { namespace: 'orders' });
    await cache.set('order:2', 2, { namespace: 'orders' });
    await cache.set('order:3', 3, { namespace: 'archive' });
    expect((await cache.listKeys('order:*', { namespace: 'orders' })).map((k) => k.key).sort()).toEqual(['order:1', 'order:2']);
    expect(await cache.listKeys('order:*')).toHaveLength(3);
  });
});
