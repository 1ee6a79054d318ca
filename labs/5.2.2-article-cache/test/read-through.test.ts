import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { createDb } from '../src/db';
import { articleKey } from '../src/components';
import { bumpListVersion, listKey, queryHash } from '../src/list-keys';
import { loadArticle, loadList } from '../src/queries';
import { queriesDuring, useFixture } from './fixtures';

const fx = useFixture();
let managed: ManagedRedis;
beforeAll(async () => {
  managed = await startRedisServer();
});
afterAll(() => managed?.dispose());

/** A store on the private Redis, warmed by `warm`, then the server is stopped for `check`. */
async function withRedisDown(warm: (s: Awaited<ReturnType<typeof fx.store>>) => Promise<void>, check: (s: Awaited<ReturnType<typeof fx.store>>) => Promise<void>) {
  const redis = await fx.cacheClient(managed.url);
  const store = await fx.store({ redis });
  await warm(store);
  await managed.stop();
  try {
    await waitFor(() => redis.status !== 'ready', { what: 'the client to notice Redis is down' });
    await check(store);
  } finally {
    await managed.start();
  }
}

describe('exercise 1: read-through get-or-load', () => {
  it('a miss loads from Postgres and stores it; the next read is a hit with no query', async () => {
    const store = await fx.store();
    expect(await queriesDuring(store, () => store.getArticle(7))).toBe(1);
    expect(await fx.ctx.redis.exists(articleKey(store.keys, 7))).toBe(1);
    let second: unknown;
    expect(await queriesDuring(store, async () => (second = await store.getArticle(7)))).toBe(0);
    expect(second).toEqual(await loadArticle(createDb(fx.ctx.pg), 7));
    const stats = await store.stats();
    expect(stats.namespaces.article).toMatchObject({ hits: 1, misses: 1, hitRatio: 0.5 });
  });

  it('caches "not found" too, so a missing id reaches Postgres once', async () => {
    const store = await fx.store();
    expect(await store.getArticle(999_999)).toBeNull();
    expect(await queriesDuring(store, () => store.getArticle(999_999))).toBe(0);
    const api = await fx.serve(store);
    const res = await api.call('GET', '/articles/999999');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('an L1 hit is answered in-process, even with the Redis entry gone', async () => {
    const store = await fx.store({ l1: { max: 100, ttlMs: 60_000 } });
    const first = await store.getArticle(8);
    await fx.ctx.redis.del(articleKey(store.keys, 8));
    expect(await queriesDuring(store, async () => expect(await store.getArticle(8)).toEqual(first))).toBe(0);
    expect((await store.stats()).namespaces.article).toMatchObject({ l1Hits: 1, misses: 1 });
  });

  it('GET /cache/stats shows hits and misses per namespace and the hit ratio', async () => {
    const store = await fx.store();
    const api = await fx.serve(store);
    for (const id of [1, 2, 1, 1]) await api.ok('GET', `/articles/${id}`);
    const stats = await api.ok('GET', '/cache/stats');
    expect(stats.source).toBe('redis');
    expect(stats.namespaces.article).toMatchObject({ hits: 2, misses: 2, hitRatio: 0.5 });
    expect(stats.postgres.queries).toBe(2);
  });

  it('Redis down: GET /articles/:id is still served, from Postgres, without a 500', async () => {
    await withRedisDown(
      async (store) => {
        await store.getArticle(9);
      },
      async (store) => {
        const api = await fx.serve(store);
        const before = store.db.queries;
        const res = await api.ok('GET', '/articles/9');
        expect(res.id).toBe(9);
        expect(store.db.queries - before).toBe(1);
        const stats = await api.ok('GET', '/cache/stats');
        expect(stats.source).toBe('local');
        expect(stats.namespaces.article.errors).toBeGreaterThanOrEqual(1);
      },
    );
  });
});

describe('exercise 2: list keys under a namespace version', () => {
  it('hashes the query: parameter order and undefined values do not matter', async () => {
    expect(queryHash({ tag: 'redis', page: 1 })).toBe(queryHash({ page: 1, author: undefined, tag: 'redis' }));
    expect(queryHash({ tag: 'redis', page: 1 })).not.toBe(queryHash({ tag: 'redis', page: 2 }));
    const store = await fx.store();
    const keys = fx.ctx.keys.forLab('5.2.2', 'lk');
    const k = await listKey(store.cache, keys, 'list', { tag: 'redis', page: 1 });
    expect(k).toBe(keys.key('list', 'v0', queryHash({ page: 1, tag: 'redis' })));
  });

  it('a list page is loaded once, then served from the cache', async () => {
    const store = await fx.store();
    const q = { tag: 'redis', page: 1 };
    expect(await queriesDuring(store, () => store.list(q))).toBe(1);
    let cached: unknown;
    expect(await queriesDuring(store, async () => (cached = await store.list({ page: 1, tag: 'redis' })))).toBe(0);
    expect(cached).toEqual(await loadList(createDb(fx.ctx.pg), q));
  });

  it('one INCR of the version invalidates every list (and the aggregate) at once', async () => {
    const store = await fx.store();
    const reads = () => Promise.all([store.list({ page: 1 }), store.list({ page: 2 }), store.list({ author: 3, page: 1 }), store.topCommented('redis')]);
    expect(await queriesDuring(store, reads)).toBe(4);
    expect(await queriesDuring(store, reads)).toBe(0);
    const before = await listKey(store.cache, store.keys, 'list', { page: 1 });
    expect(await bumpListVersion(store.cache, store.keys)).toBe(1);
    expect(await listKey(store.cache, store.keys, 'list', { page: 1 })).not.toBe(before);
    expect(await queriesDuring(store, reads)).toBe(4);
    // The old entries are not deleted: nobody reads them any more and their TTL removes them.
    expect(await fx.ctx.redis.ttl(before)).toBeGreaterThan(0);
  });

  it('Redis down: lists and the aggregate come from Postgres', async () => {
    await withRedisDown(
      async (store) => {
        await store.list({ page: 1 });
      },
      async (store) => {
        const api = await fx.serve(store);
        const list = await api.ok('GET', '/articles?page=1');
        expect(list.items).toHaveLength(20);
        const top = await api.ok('GET', '/tags/redis/top-commented');
        expect(top.tag).toBe('redis');
      },
    );
  });
});
