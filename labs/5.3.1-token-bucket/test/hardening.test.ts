// The limiter under abuse and outages: a limit keys on the route the router matched (not the raw
// path), the stats stay bounded and behind a token, a never-refilling bucket still expires, and while a
// private Redis stalls or is gone every route answers within 1 s (the outage drill).
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { describeDrill, runOutageDrill } from '../../../harness/drill';
import { expectDrillHeld } from '../../../harness/drill-expect';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { listen } from '../../../shared/http';
import { keyBuilder } from '../../../shared/keys';
import { createServingRedis, whenRedisReady, type RedisClient } from '../../../shared/redis-client';
import { serveLimited } from '../serve';
import { createTokenBucket } from '../src/bucket';
import { createLimitStats, statsKeys } from '../src/stats';
import { expectStatus, manualClock, serve, TEST_ADMIN_TOKEN } from './helpers';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.1', { services: ['redis'], serving: true });
});
afterAll(() => ctx.dispose());

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

describe('a limit keys on the route the router matched', () => {
  it('once /api/search answers 429, every other spelling the router serves is refused with the search policy', async () => {
    const clock = manualClock();
    const app = await serve(ctx.redis, ctx.keys.forLab('spell'), { now: clock.now });
    const user = { 'x-user-id': 'speller' };
    try {
      for (let i = 0; i < 10; i++) expectStatus(await app.get('/api/search', user), 200);
      expectStatus(await app.get('/api/search', user), 429);
      const spellings = ['/API/search', '/api/Search', '/api/search/', '/Api/Search/', '/api/search?q=x', '/api//search', '//api/search', '/api/%73earch', '/api/search/.'];
      for (const path of spellings) {
        const res = await fetch(app.url + path, { headers: user });
        // Either the router does not serve it (404) or it is the same limited route.
        expect([404, 429], `${path} → ${res.status}`).toContain(res.status);
        if (res.status === 429) expect(res.headers.get('ratelimit-policy'), path).toContain('"search"');
      }
      for (const path of ['/API/search', '/api/search/', '/api/Search']) expect((await fetch(app.url + path, { headers: user })).status, path).toBe(429);
      const head = await fetch(`${app.url}/api/search`, { method: 'HEAD', headers: user });
      expect(head.status).toBe(429);
      expect(head.headers.get('ratelimit-policy')).toContain('"search"');
      const stats = await app.get('/limits/stats', auth);
      // Spellings the router does not serve are metered as one "(no route)" endpoint, not one per path.
      const endpoints = new Set(stats.body.counts.map((c: { endpoint: string }) => c.endpoint));
      for (const e of endpoints) expect(['GET /api/search', '(no route)']).toContain(e);
    } finally {
      await app.close();
    }
  });

  it('HEAD spends the GET route’s bucket', async () => {
    const clock = manualClock();
    const app = await serve(ctx.redis, ctx.keys.forLab('head'), { now: clock.now });
    const user = { 'x-user-id': 'header' };
    try {
      for (let i = 0; i < 10; i++) expect((await fetch(`${app.url}/api/search`, { method: 'HEAD', headers: user })).status).toBe(200);
      expectStatus(await app.get('/api/search', user), 429);
    } finally {
      await app.close();
    }
  });
});

describe('the stats are bounded and need the admin token', () => {
  it('unknown paths and refused requests add no fields: 300 random paths leave the counts hash as small as before', async () => {
    const clock = manualClock();
    const keys = ctx.keys.forLab('bound');
    const app = await serve(ctx.redis, keys, { now: clock.now });
    try {
      await app.get('/api/hello', { 'x-user-id': 'a' });
      for (let i = 0; i < 300; i++) {
        const res = await fetch(`${app.url}/api/${Math.random().toString(36).slice(2)}/${i}`, { headers: { 'x-user-id': 'a' } });
        expect([404, 429]).toContain(res.status);
      }
      expectStatus(await app.get('/limits/stats', auth), 200); // flushes
      const fields = await ctx.redis.hkeys(statsKeys(keys).countsKey);
      expect(fields.length, fields.join(' | ')).toBeLessThanOrEqual(6);
    } finally {
      await app.close();
    }
  });

  it('keeps only the top offenders', async () => {
    const keys = ctx.keys.forLab('topk');
    const stats = createLimitStats(ctx.redis, keys, { keepTop: 5, flushEveryMs: 60_000 });
    const clock = manualClock();
    const app = await serve(ctx.redis, keys, { now: clock.now, policies: [{ name: 'one', by: ['user'], capacity: 1, refillPerSec: 1 }] });
    try {
      for (let i = 0; i < 40; i++) {
        await app.get('/api/hello', { 'x-user-id': `u${i}` });
        await app.get('/api/hello', { 'x-user-id': `u${i}` });
      }
      await app.get('/limits/stats', auth);
      expect(await ctx.redis.zcard(statsKeys(keys).offendersKey)).toBeLessThanOrEqual(1000);
      // The bound itself, made small: 20 offenders recorded, 5 kept.
      for (let i = 0; i < 20; i++) {
        stats.record({ allowed: false, now: 0, results: [{ policy: { name: 'p' } as never, subject: `s${i}`, remaining: 0, limiting: true }] }, 'GET /api/hello');
      }
      await stats.flush();
      expect(await ctx.redis.zcard(statsKeys(keys).offendersKey)).toBe(5);
    } finally {
      await stats.close();
      await app.close();
    }
  });

  it('/limits/stats answers 401 without the admin token and 401 with a wrong one', async () => {
    const app = await serve(ctx.redis, ctx.keys.forLab('auth'));
    try {
      expectStatus(await app.get('/limits/stats'), 401);
      expectStatus(await app.get('/limits/stats', { authorization: 'Bearer nope' }), 401);
      expectStatus(await app.get('/limits/stats', auth), 200);
    } finally {
      await app.close();
    }
  });
});

describe('a bucket that never refills', () => {
  it('is stored with a TTL, like every other bucket', async () => {
    const bucket = createTokenBucket(ctx.redis);
    const key = ctx.keys.key('b', 'no-refill');
    await bucket.take([{ key, capacity: 5, refillPerSec: 0 }]);
    const ttl = await ctx.redis.pttl(key);
    expect(ttl).toBeGreaterThan(0);
  });
});

describe('a private Redis that stalls or goes away', () => {
  let server: ManagedRedis;
  let redis: RedisClient;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = createServingRedis(server.url);
    await whenRedisReady(redis);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.dispose();
  });

  it('takes that reach Redis after the caller gave up (a SIGSTOP) charge nothing: a freeze cannot drain a bucket', async () => {
    const bucket = createTokenBucket(redis);
    const spec = { key: keyBuilder({ lab: 'late' }).key('bucket', 'late'), capacity: 5, refillPerSec: 0.001 };
    expect((await bucket.take([spec])).buckets[0]!.remaining).toBe(4);
    server.pause();
    try {
      const late = await Promise.allSettled([1, 2, 3, 4].map(() => bucket.take([spec])));
      expect(late.every((r) => r.status === 'rejected')).toBe(true); // timed out: the middleware failed open
      await new Promise((r) => setTimeout(r, 800)); // the freeze outlasts the caller's patience
    } finally {
      server.resume();
    }
    const next = await waitFor(() => bucket.take([spec]).catch(() => undefined), { what: 'Redis to answer again' });
    expect(next.buckets[0]!.remaining).toBe(3);
  });

  it('/limits/stats answers within 1 s while Redis is frozen (SIGSTOP and CLIENT PAUSE)', async () => {
    const app = await serve(redis, keyBuilder({ lab: 'stall-stats' }));
    try {
      await app.get('/api/hello');
      server.pause();
      let started = performance.now();
      const frozen = await app.get('/limits/stats', auth);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(frozen.body).toMatchObject({ available: false });
      server.resume();
      await waitFor(async () => (await app.get('/limits/stats', auth)).body.available === true, { what: 'stats again' });
      await server.clientPause(2000);
      started = performance.now();
      const paused = await app.get('/limits/stats', auth);
      expect(performance.now() - started).toBeLessThan(1000);
      expect(paused.body).toMatchObject({ available: false });
    } finally {
      server.resume();
      await app.close();
    }
  });

  it('serve never prints "[ioredis] Unhandled error event" while Redis is down', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    const sctx = await createTestContext('5.3.1', { services: ['redis'], serving: true, logLevel: 'silent' });
    const own = createServingRedis(server.url);
    await whenRedisReady(own);
    const served = await serveLimited({ ...sctx, redis: own, newRedis: (o: object) => createServingRedis(server.url, o) } as LabContext);
    const { app, close } = served as { app: Parameters<typeof listen>[0]; close(): Promise<void> };
    const http = await listen(app);
    try {
      await fetch(`${http.url}/api/hello`);
      await server.stop();
      for (let i = 0; i < 5; i++) expect((await fetch(`${http.url}/api/hello`)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1500)); // reconnect attempts happen while it is down
      const printed = errors.mock.calls.map((c) => String(c[0])).filter((m) => m.includes('[ioredis]'));
      expect(printed).toEqual([]);
    } finally {
      errors.mockRestore();
      await http.close();
      await close();
      own.disconnect();
      await sctx.dispose();
      if (!server.running) await server.start();
    }
  });

  it('outage drill: frozen 3 s, killed, restarted — no hang, no 5xx, every answer within 1 s, normal within 2 s', async () => {
    const app = await serve(redis, keyBuilder({ lab: 'drill' }), { policies: [{ name: 'per-ip', by: ['ip'], capacity: 1_000_000, refillPerSec: 1000 }] });
    try {
      for (const freeze of ['sigstop', 'client-pause'] as const) {
        const r = await runOutageDrill({ redis: server, freeze, request: (signal) => fetch(`${app.url}/api/search?q=x`, { signal }) });
        expectDrillHeld(r);
        // Fail-open: no 5xx at all, and limited again (headers back) within 2 s of the restart.
        expect(r.samples.filter((s) => s.status !== 200), describeDrill(r)).toEqual([]);
        const limited = await app.get('/api/search?q=y');
        expect(limited.headers.get('ratelimit')).not.toBeNull();
        // Nothing left behind that slows later requests: the bucket key has a TTL.
        const keysLeft = await redis.keys('*');
        for (const k of keysLeft) expect(await redis.pttl(k), k).not.toBe(-1);
      }
    } finally {
      server.resume();
      await app.close();
    }
  }, 40_000);
});

describe('serve: the admin token from LIMITS_ADMIN_TOKEN, generated when missing', () => {
  const run = async (token: string | undefined) => {
    const saved = process.env.LIMITS_ADMIN_TOKEN;
    if (token === undefined) delete process.env.LIMITS_ADMIN_TOKEN;
    else process.env.LIMITS_ADMIN_TOKEN = token;
    const lines: string[] = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
    try {
      const served = (await serveLimited({ ...ctx, log })) as { app: Parameters<typeof listen>[0]; close(): Promise<void> };
      return { lines, served, http: await listen(served.app) };
    } finally {
      if (saved === undefined) delete process.env.LIMITS_ADMIN_TOKEN;
      else process.env.LIMITS_ADMIN_TOKEN = saved;
    }
  };

  it('prints one line with a generated token when none is configured; a configured one is never logged', async () => {
    const gen = await run(undefined);
    try {
      const said = gen.lines.filter((l) => l.includes('LIMITS_ADMIN_TOKEN'));
      expect(said).toHaveLength(1);
      const token = /Bearer (\S+)/.exec(JSON.parse(said[0]!).msg)?.[1];
      expect((await fetch(`${gen.http.url}/limits/stats`)).status).toBe(401);
      expect((await fetch(`${gen.http.url}/limits/stats`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await gen.http.close();
      await gen.served.close();
    }
    const set = await run('configured-stats-secret');
    try {
      expect(set.lines.join('\n')).not.toContain('configured-stats-secret');
      expect((await fetch(`${set.http.url}/limits/stats`, { headers: { authorization: 'Bearer configured-stats-secret' } })).status).toBe(200);
    } finally {
      await set.http.close();
      await set.served.close();
    }
  });
});
