import { describe, expect, it } from 'vitest';
import type { LabContext } from '../../../harness/context';
import type { SmartCache } from '../src/cache';
import { Cached } from '../src/decorator';
import { entityCache } from '../src/entities';
import { warmCache } from '../src/warmer';
import { counting, makeCache, useTestContext } from './helpers';

let ctx: LabContext;
useTestContext((c) => (ctx = c));

describe('@Cached decorator and entity caching', () => {
  it('caches a method by its arguments (standard TS 5 decorator)', async () => {
    class Catalog {
      calls = 0;
      constructor(readonly cache: SmartCache) {}

      @Cached({ ttl: 60_000, key: (id: number) => `product:${id}`, tags: (id: number) => [`product:${id}`] })
      async product(id: number) {
        this.calls++;
        return { id, name: `product ${id}` };
      }
    }
    const catalog = new Catalog(await makeCache(ctx));
    expect(await catalog.product(1)).toEqual({ id: 1, name: 'product 1' });
    expect(await catalog.product(1)).toEqual({ id: 1, name: 'product 1' });
    await catalog.product(2);
    expect(catalog.calls).toBe(2);
    expect(await catalog.cache.get('product:1', { namespace: 'product' })).toEqual({ id: 1, name: 'product 1' });
  });

  it('caches entities by type + id and invalidates one of them', async () => {
    const cache = await makeCache(ctx);
    const db = new Map([[1, { id: 1, name: 'Ada' }], [2, { id: 2, name: 'Linus' }]]);
    const load = counting(() => undefined);
    const users = entityCache(cache, 'user', {
      load: async (id: number) => {
        load.calls++;
        return db.get(id);
      },
    });
    expect(await users.get(1)).toEqual({ id: 1, name: 'Ada' });
    expect(await users.get(1)).toEqual({ id: 1, name: 'Ada' });
    expect(await users.get(3)).toBeUndefined();
    expect(load.calls).toBe(2);
    expect(await ctx.redis.exists(cache.keys.data('user', '1'))).toBe(1);
    db.set(1, { id: 1, name: 'Ada L.' });
    await users.invalidate(1);
    expect(await users.get(1)).toEqual({ id: 1, name: 'Ada L.' });
    expect(users.tagOf(1)).toBe('user:1');
  });
});

describe('warming', () => {
  it('runs the loaders with a concurrency limit; one failure does not stop the rest', async () => {
    const cache = await makeCache(ctx);
    let running = 0;
    let peak = 0;
    const item = (i: number) => ({
      key: `warm:${i}`,
      namespace: 'warm',
      loader: async () => {
        running++;
        peak = Math.max(peak, running);
        await Promise.resolve();
        await new Promise((r) => setImmediate(r));
        running--;
        if (i === 3) throw new Error('product 3 is broken');
        return { i };
      },
    });
    const report = await warmCache(cache, Array.from({ length: 10 }, (_, i) => item(i)), { concurrency: 2 });
    expect(report.ok).toBe(9);
    expect(report.failed).toBe(1);
    expect(report.results.find((r) => !r.ok)).toMatchObject({ key: 'warm:3', error: 'product 3 is broken' });
    expect(peak).toBe(2);
    expect(await cache.get('warm:9', { namespace: 'warm' })).toEqual({ i: 9 });
    expect(await cache.get('warm:3', { namespace: 'warm' })).toBeUndefined();
  });
});

describe('stats', () => {
  it('counts hits and misses per tier and namespace, loader calls, and exports them to Prometheus', async () => {
    const cache = await makeCache(ctx);
    await cache.getOrSet('a', () => 1, { namespace: 'n1' });
    await cache.getOrSet('a', () => 1, { namespace: 'n1' });
    await cache.getOrSet('b', () => 2, { namespace: 'n2' });
    const s = cache.stats.snapshot();
    expect(s.namespaces.n1).toMatchObject({ hits: { l1: 1, l2: 0 }, misses: { l1: 1, l2: 1 }, loaderCalls: 1 });
    expect(s.namespaces.n2!.loaderCalls).toBe(1);
    expect(s.loaderCalls).toBe(2);
    expect(s.latencyMs.l2_get!.count).toBeGreaterThanOrEqual(2);
    const text = await cache.stats.registry.metrics();
    expect(text).toContain('smart_cache_hits_total{tier="l1",namespace="n1"} 1');
    expect(text).toContain('smart_cache_loader_calls_total{namespace="n2"} 1');
    expect(text).toMatch(/smart_cache_operation_duration_seconds_count\{op="loader"\} 2/);
    expect(text).toContain('smart_cache_breaker_open 0');
  });
});
