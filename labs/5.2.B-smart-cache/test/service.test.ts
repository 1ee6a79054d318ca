import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { listen, type Listening } from '../../../shared/http';
import { connectSmartCache } from '../src/cache';
import { issueToken } from '../src/http/auth';
import { responseCache } from '../src/http/response-cache';
import { cacheRedisOptions, createCacheRedis, createCacheSubscriber } from '../src/redis-client';
import { createService, type Service } from '../src/service/app';
import { seed } from '../src/service/db';
import { manualClock, scanAll, uniqueKey } from './helpers';

let ctx: LabContext;
let svc: Service;
let server: Listening;
const secret = new TextEncoder().encode('a-test-secret-that-is-32-bytes-long!!');
const auth = { apiKeys: { 'admin-key': 'admin', 'user-key': 'user' }, jwtSecret: secret };
const ADMIN = { 'x-api-key': 'admin-key' };

beforeAll(async () => {
  ctx = await createTestContext('5.2.B');
  await seed(ctx.pg, { products: 40, users: 5 });
  svc = await createService({ pg: ctx.pg, redis: ctx.newRedis(cacheRedisOptions({ commandTimeoutMs: 2000 })), subscriber: ctx.newRedis(), keyBase: ctx.keys.key('svc'), auth, warmCount: 10 });
  server = await listen(svc.app);
});
afterAll(async () => {
  await server?.close();
  await svc?.close();
  await ctx.dispose();
});

async function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown; base?: string } = {}) {
  const res = await fetch((init.base ?? server.url) + path, {
    method: init.method ?? 'GET',
    headers: { ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // An unfinished exercise answers 501: fail with its message, not with a puzzling assertion.
  if (res.status === 501) throw new Error(json?.error?.message ?? 'not implemented');
  return { status: res.status, xcache: res.headers.get('x-cache'), age: res.headers.get('age'), json, text, headers: res.headers };
}

describe('response cache middleware', () => {
  it('MISS, then HIT with an Age header and the same body', async () => {
    const a = await call('/products?category=books&limit=3');
    const b = await call('/products?category=books&limit=3');
    expect(a.status).toBe(200);
    expect([a.xcache, b.xcache]).toEqual(['MISS', 'HIT']);
    expect(Number(b.age)).toBeGreaterThanOrEqual(0);
    expect(b.text).toBe(a.text);
    expect(b.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('keys on sorted query parameters and on the chosen headers', async () => {
    await call('/products?limit=4&category=games');
    expect((await call('/products?category=games&limit=4')).xcache).toBe('HIT');
    expect((await call('/products?category=games&limit=4', { headers: { 'accept-language': 'fr' } })).xcache).toBe('MISS');
    expect((await call('/products?category=games&limit=4', { headers: { 'accept-language': 'fr' } })).xcache).toBe('HIT');
  });

  it('skips authenticated requests, Cache-Control: no-cache and non-2xx answers', async () => {
    await call('/products?limit=5');
    expect((await call('/products?limit=5', { headers: { authorization: 'Bearer x' } })).xcache).toBe('BYPASS');
    expect((await call('/products?limit=5', { headers: { 'cache-control': 'no-cache' } })).xcache).toBe('BYPASS');
    const bad1 = await call('/products?limit=abc');
    const bad2 = await call('/products?limit=abc');
    expect([bad1.status, bad2.status]).toEqual([400, 400]);
    expect(bad2.xcache).toBe('BYPASS'); // a query the route's schema refuses is never a cache variant
  });

  it('passes non-GET requests through (BYPASS) every time; a GET on the same path is cached', async () => {
    const cache = await connectSmartCache(ctx.services.redis.url, { keyBase: ctx.keys.key('mw-post'), bus: false });
    ctx.onDispose(() => cache.close());
    let calls = 0;
    const app = express();
    app.all('/thing', responseCache(cache, { ttl: 60_000 }), (_req, res) => void res.json({ call: ++calls }));
    const srv = await listen(app);
    ctx.onDispose(() => srv.close());
    const post = () => call('/thing', { base: srv.url, method: 'POST', body: {} });
    const [a, b] = [await post(), await post()];
    expect([a.xcache, b.xcache, a.json, b.json]).toEqual(['BYPASS', 'BYPASS', { call: 1 }, { call: 2 }]);
    const [g1, g2] = [await call('/thing', { base: srv.url }), await call('/thing', { base: srv.url })];
    expect([g1.xcache, g2.xcache, g2.json]).toEqual(['MISS', 'HIT', { call: 3 }]);
  });

  it('serves STALE while one request regenerates, and STALE instead of a 5xx', async () => {
    const now = manualClock();
    const cache = await connectSmartCache(ctx.services.redis.url, { keyBase: ctx.keys.key('mw'), now, bus: false });
    ctx.onDispose(() => cache.close());
    let version = 0;
    let gate: Promise<void> | undefined;
    let failing = false;
    const app = express();
    let entered = 0;
    app.get('/page', responseCache(cache, { ttl: 1000, grace: 60_000, now }), async (_req, res) => {
      entered++;
      await gate;
      if (failing) return void res.status(503).json({ error: 'db down' });
      res.json({ version: ++version });
    });
    const srv = await listen(app);
    ctx.onDispose(() => srv.close());
    const get = () => call('/page', { base: srv.url });
    expect((await get()).json).toEqual({ version: 1 });
    now.advance(2000);
    let open!: () => void;
    gate = new Promise((r) => (open = r));
    const regenerating = get();
    await waitFor(() => entered === 2, { what: 'the first request to reach the gated handler' });
    const meanwhile = await get();
    expect(meanwhile.xcache).toBe('STALE');
    expect(meanwhile.json).toEqual({ version: 1 });
    open();
    expect((await regenerating).json).toEqual({ version: 2 });
    expect((await get()).xcache).toBe('HIT');
    now.advance(2000);
    gate = undefined;
    failing = true;
    const fallback = await get();
    expect([fallback.status, fallback.xcache, fallback.json]).toEqual([200, 'STALE', { version: 2 }]);
  });
});

describe('response cache: concurrent cold misses share one run of the route', () => {
  it('N concurrent cold requests for one /products URL: Postgres is queried once, all get the same body', async () => {
    const queries: string[] = [];
    // The real pool, counting what the service sends it (the repo only calls pool.query).
    const counted = { query: (...args: Parameters<typeof ctx.pg.query>) => (queries.push(String(args[0])), ctx.pg.query(...args)) } as unknown as typeof ctx.pg;
    const cold = await createService({ pg: counted, redis: ctx.newRedis(cacheRedisOptions({ commandTimeoutMs: 2000 })), subscriber: ctx.newRedis(), keyBase: ctx.keys.key('cold'), auth });
    ctx.onDispose(() => cold.close());
    const srv = await listen(cold.app);
    ctx.onDispose(() => srv.close());
    const N = 40;
    // A slow database: the products table is locked until every request has missed the cache.
    const holder = await ctx.pg.connect();
    let locked = true;
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE products IN ACCESS EXCLUSIVE MODE');
      const all = Promise.all(Array.from({ length: N }, () => call('/products?limit=6&category=music', { base: srv.url })));
      await waitFor(() => (cold.cache.stats.snapshot().namespaces.http?.misses.l2 ?? 0) >= N && queries.length > 0, { what: 'every request to miss the cache' });
      await holder.query('COMMIT');
      locked = false;
      const answers = await all;
      expect(queries.filter((q) => q.includes('FROM products'))).toHaveLength(1);
      expect(answers.every((a) => a.status === 200 && a.xcache === 'MISS')).toBe(true);
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
      expect(answers[0]!.json.products).toHaveLength(6);
      expect(answers.filter((a) => a.headers.get('x-cache-shared') === '1')).toHaveLength(N - 1);
      const after = await call('/products?limit=6&category=music', { base: srv.url });
      expect([after.xcache, after.text, queries.length]).toEqual(['HIT', answers[0]!.text, 1]);
    } finally {
      if (locked) await holder.query('ROLLBACK');
      holder.release();
    }
  });

  it.each([
    ['a 503', (res: express.Response) => void res.status(503).json({ error: 'db hiccup' })],
    ['a thrown error (express answers 500 with res.end)', () => {
      throw new Error('db hiccup');
    }],
  ])('a leader that answers %s does not poison the waiters: each runs the route itself, nothing bad is cached', async (_label, fail) => {
    const cache = await connectSmartCache(ctx.services.redis.url, { keyBase: ctx.keys.key(uniqueKey('mw-lead')), bus: false });
    ctx.onDispose(() => cache.close());
    let runs = 0;
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const app = express();
    app.get('/list', responseCache(cache, { ttl: 60_000, namespace: 'http' }), async (_req, res) => {
      const run = ++runs;
      if (run === 1) {
        await gate;
        return fail(res);
      }
      res.json({ ok: true });
    });
    const srv = await listen(app);
    ctx.onDispose(() => srv.close());
    const N = 10;
    const all = Promise.all(Array.from({ length: N }, () => call('/list', { base: srv.url })));
    await waitFor(() => (cache.stats.snapshot().namespaces.http?.misses.l2 ?? 0) >= N && runs === 1, { what: 'every request to miss, the leader to be in the route' });
    expect(runs).toBe(1); // the others wait for the leader
    open();
    const answers = await all;
    expect(runs).toBe(N);
    expect(answers.filter((a) => a.status >= 500)).toHaveLength(1);
    const rest = answers.filter((a) => a.status < 500);
    expect(rest.every((a) => a.status === 200 && a.xcache === 'MISS' && !a.headers.get('x-cache-shared') && a.text === '{"ok":true}')).toBe(true);
    const after = await call('/list', { base: srv.url });
    expect([after.status, after.xcache, after.text]).toEqual([200, 'HIT', '{"ok":true}']);
  });
});

describe('product and user API', () => {
  it('serves a product from the entity cache (BigInt price, Date) and 404s a missing one', async () => {
    const before = svc.cache.stats.snapshot().namespaces.product?.loaderCalls ?? 0;
    const a = await call('/products/7');
    const b = await call('/products/7');
    expect(a.status).toBe(200);
    expect(b.json).toEqual(a.json);
    expect(typeof a.json.priceCents).toBe('number');
    expect(svc.cache.stats.snapshot().namespaces.product!.loaderCalls - before).toBe(1);
    expect((await call('/products/99999')).status).toBe(404);
    expect((await call('/products/abc')).status).toBe(400);
  });

  it('never caches the password hash (nor anything private: abuse.test.ts)', async () => {
    const u = await call('/users/2');
    expect(u.status).toBe(200);
    expect(u.json.passwordHash).toBeUndefined();
    const raw = await ctx.redis.get(svc.cache.keys.data('user', '2'));
    expect(raw).toContain('User 2');
    expect(raw).not.toContain('$2b$');
  });

  it('documents itself at /openapi.json and /docs', async () => {
    const doc = await call('/openapi.json');
    expect(Object.keys(doc.json.paths)).toEqual(expect.arrayContaining(['/products', '/products/{id}', '/cache/stats', '/cache/invalidate']));
    const ui = await call('/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('Redis stopped mid-test: answers from L1/Postgres, no error page; restarted: the cache writes to it again by itself', async () => {
    const redis = await startRedisServer();
    try {
      const [r, sub] = [createCacheRedis(redis.url), createCacheSubscriber(redis.url)];
      const look = new Redis(redis.url, { retryStrategy: () => 100, maxRetriesPerRequest: 1 }); // the test's own view
      look.on('error', () => {});
      ctx.onDispose(() => [r, sub, look].forEach((c) => c.disconnect()));
      const down = await createService({ pg: ctx.pg, redis: r, subscriber: sub, keyBase: ctx.keys.key('down'), auth, cache: { breaker: { probeIntervalMs: 100 } } });
      ctx.onDispose(() => down.close());
      const srv = await listen(down.app);
      ctx.onDispose(() => srv.close());
      const before = await call('/products/3', { base: srv.url });
      expect(await look.exists(down.cache.keys.data('product', '3'))).toBe(1);

      await redis.stop();
      for (let i = 0; i < 5; i++) {
        const cached = await call('/products/3', { base: srv.url }); // L1
        const fresh = await call(`/products/${10 + i}`, { base: srv.url }); // Postgres
        const list = await call(`/products?limit=${2 + i}`, { base: srv.url }); // the response cache, then Postgres
        expect([cached.status, cached.json, fresh.status, fresh.json.id, list.status, list.json.products.length]).toEqual([200, before.json, 200, 10 + i, 200, 2 + i]);
      }
      expect((await call('/cache/health', { base: srv.url, headers: ADMIN })).json.status).toBe('down');

      await redis.start(); // empty: whatever appears in it now, the cache wrote after the restart
      let page = 0;
      await waitFor(
        async () => {
          expect((await call(`/products?limit=1&offset=${page++}`, { base: srv.url })).status).toBe(200);
          return (await scanAll(look, down.cache.keys.matchAll())).length > 0;
        },
        { timeoutMs: 5000, intervalMs: 100, what: 'the service to cache in the restarted Redis' },
      );
      expect((await call('/cache/health', { base: srv.url, headers: ADMIN })).json).toMatchObject({ status: 'up', breaker: 'closed' });
    } finally {
      await redis.dispose();
    }
  });
});

describe('cache management routes', () => {
  it('401 without credentials, 403 with the wrong role, 200 for an admin (API key or JWT)', async () => {
    expect((await call('/cache/stats')).status).toBe(401);
    expect((await call('/cache/stats', { headers: { 'x-api-key': 'nope' } })).status).toBe(401);
    expect((await call('/cache/stats', { headers: { authorization: 'Bearer not-a-jwt' } })).status).toBe(401);
    expect((await call('/cache/stats', { headers: { 'x-api-key': 'user-key' } })).status).toBe(403);
    const userJwt = await issueToken('user', secret);
    expect((await call('/cache/stats', { headers: { authorization: `Bearer ${userJwt}` } })).status).toBe(403);
    const adminJwt = await issueToken('admin', secret);
    const stats = await call('/cache/stats', { headers: { authorization: `Bearer ${adminJwt}` } });
    expect(stats.status).toBe(200);
    expect(stats.json.tiers.l1).toBeDefined();
    expect((await call('/cache/warm', { method: 'POST', body: {} })).status).toBe(401);
    expect((await call('/cache/namespaces/x', { method: 'DELETE', headers: { 'x-api-key': 'user-key' } })).status).toBe(403);
  });

  it('exports the cache metrics with the service metrics on /metrics', async () => {
    await call('/products/9');
    const m = await call('/metrics');
    expect(m.text).toMatch(/smart_cache_loader_calls_total\{namespace="product"\} \d+/);
    expect(m.text).toContain('smart_cache_operation_duration_seconds_bucket');
    expect(m.text).toContain('smart_cache_api_http_requests_total');
  });

  it('health reports the Redis round trip', async () => {
    const h = await call('/cache/health', { headers: ADMIN });
    expect(h.json).toMatchObject({ status: 'up', breaker: 'closed' });
    expect(h.json.latencyMs).toBeGreaterThan(0);
  });

  it('shows and deletes one key', async () => {
    await call('/products/11');
    const k = await call('/cache/keys/11?namespace=product', { headers: ADMIN });
    expect(k.status).toBe(200);
    expect(k.json).toMatchObject({ key: '11', namespace: 'product', state: 'fresh', tags: ['product', 'product:11'] });
    expect(k.json.value.priceCents).toMatch(/^\d+$/);
    expect((await call('/cache/keys/11?namespace=product', { method: 'DELETE', headers: ADMIN })).json).toEqual({ deleted: 1 });
    expect((await call('/cache/keys/11?namespace=product', { headers: ADMIN })).status).toBe(404);
    expect((await call('/cache/keys/x?namespace=bad%20ns', { headers: ADMIN })).status).toBe(400);
  });

  it('warms the critical products with a per-item report', async () => {
    const r = await call('/cache/warm', { method: 'POST', headers: ADMIN, body: { limit: 5 } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ ok: 5, failed: 0 });
    expect(await ctx.redis.exists(svc.cache.keys.data('product', '5'))).toBe(1);
    expect((await call('/cache/warm', { method: 'POST', headers: ADMIN, body: { limit: 0 } })).status).toBe(400);
  });
});

describe('exercise 3: tag invalidation', () => {
  it('a price change drops the product and every cached list (tags), then both show the new price', async () => {
    await call('/products/2');
    await call('/products?limit=3');
    expect((await call('/products?limit=3')).xcache).toBe('HIT');
    const put = await call('/products/2', { method: 'PUT', headers: ADMIN, body: { priceCents: 4242 } });
    expect(put.json.priceCents).toBe(4242);
    expect((await call('/products/2')).json.priceCents).toBe(4242);
    const list = await call('/products?limit=3');
    expect(list.xcache).toBe('MISS');
    expect(list.json.products.find((p: { id: number }) => p.id === 2).priceCents).toBe(4242);
  });

  it('POST /cache/invalidate drops entries by tag', async () => {
    await call('/products/3');
    expect((await call('/cache/invalidate', { method: 'POST', headers: ADMIN, body: { tags: ['product:3'] } })).json).toEqual({ deleted: 1 });
    expect(await ctx.redis.exists(svc.cache.keys.data('product', '3'))).toBe(0);
    expect((await call('/cache/invalidate', { method: 'POST', headers: ADMIN, body: { tags: [] } })).status).toBe(400);
  });
});

describe('exercise 4: pattern and namespace invalidation (SCAN + UNLINK)', () => {
  it('lists keys by pattern and clears a namespace', async () => {
    await call('/products?limit=7');
    await call('/products?limit=8');
    const keys = await call('/cache/keys?namespace=http&pattern=GET%20/products*', { headers: ADMIN });
    expect(keys.json.keys.length).toBeGreaterThanOrEqual(2);
    const cleared = await call('/cache/namespaces/http', { method: 'DELETE', headers: ADMIN });
    expect(cleared.json.deleted).toBeGreaterThanOrEqual(2);
    expect((await call('/products?limit=7')).xcache).toBe('MISS');
  });
});
