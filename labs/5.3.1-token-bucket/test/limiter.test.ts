import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { keyBuilder } from '../../../shared/keys';
import { createTokenBucket } from '../src/bucket';
import { createLimiter } from '../src/limiter';
import { parsePolicies, type PolicyInput } from '../src/policy';
import { expectStatus, manualClock, serve, TEST_ADMIN_TOKEN } from './helpers';

const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.1', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

const POLICIES: PolicyInput[] = [
  { name: 'per-ip', by: ['ip'], capacity: 50, refillPerSec: 1 },
  { name: 'per-user', by: ['user'], capacity: 20, refillPerSec: 1 },
  { name: 'search', by: ['user', 'endpoint'], endpoints: ['GET /api/search'], capacity: 2, refillPerSec: 1 },
];

describe('exercise 3: checking a request against all its policies', () => {
  it('applies only the policies whose dimensions and endpoints match', async () => {
    const clock = manualClock();
    const limiter = createLimiter(createTokenBucket(ctx.redis, { now: clock.now }), ctx.keys.forLab('apply'), parsePolicies(POLICIES));
    const anon = await limiter.check({ ip: '10.0.0.1', endpoint: 'GET /api/search' });
    expect(anon.results.map((r) => r.policy.name)).toEqual(['per-ip']);
    const user = await limiter.check({ user: 'ada', ip: '10.0.0.1', endpoint: 'GET /api/search' });
    expect(user.results.map((r) => [r.policy.name, r.subject, r.remaining])).toEqual([
      ['per-ip', 'ip=10.0.0.1', 48],
      ['per-user', 'user=ada', 19],
      ['search', 'user=ada,endpoint=GET /api/search', 1],
    ]);
  });

  it('checks all of a request’s buckets in one round trip', async () => {
    const redis = await startRedisServer();
    const client = new Redis(redis.url);
    try {
      const limiter = createLimiter(createTokenBucket(client), keyBuilder({ lab: 'one' }), parsePolicies(POLICIES));
      const id = { user: 'ada', ip: '10.0.0.9', endpoint: 'GET /api/search' };
      await limiter.check(id); // loads the script (EVALSHA, then EVAL once)
      await client.config('RESETSTAT');
      const d = await limiter.check(id);
      expect(d.results).toHaveLength(3);
      // Commands run inside the script are counted too; the only one the client sent is one EVALSHA.
      const calls = Object.fromEntries([...(await client.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
      expect(calls.evalsha).toBe(1);
      expect(Object.keys(calls).filter((c) => !['evalsha', 'get', 'set', 'time', 'config'].includes(c))).toEqual([]);
      expect(calls.get).toBe(3);
    } finally {
      client.disconnect();
      await redis.dispose();
    }
  });

  it('keeps endpoints isolated: exhausting search leaves other endpoints alone', async () => {
    const clock = manualClock();
    const app = await serve(ctx.redis, ctx.keys.forLab('iso'), { now: clock.now, policies: POLICIES });
    try {
      const ada = { 'x-user-id': 'ada' };
      expectStatus(await app.get('/api/search?q=x', ada), 200);
      expectStatus(await app.get('/api/search?q=x', ada), 200);
      expectStatus(await app.get('/api/search?q=x', ada), 429);
      const hello = await app.get('/api/hello', ada);
      expectStatus(hello, 200);
      expect(hello.headers.get('ratelimit')).toBe('"per-ip";r=47;t=1, "per-user";r=17;t=1');
      // Another user's search bucket is a different bucket.
      expect((await app.get('/api/search?q=x', { 'x-user-id': 'bob' })).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('counts allowed and denied per policy and endpoint, and ranks top offenders', async () => {
    const clock = manualClock();
    const app = await serve(ctx.redis, ctx.keys.forLab('stats'), { now: clock.now, policies: POLICIES });
    try {
      expectStatus(await app.get('/api/search', { 'x-user-id': 'mallory' }), 200);
      for (let i = 0; i < 4; i++) await app.get('/api/search', { 'x-user-id': 'mallory' });
      for (let i = 0; i < 3; i++) await app.get('/api/search', { 'x-user-id': 'eve' });
      await app.get('/api/hello', { 'x-user-id': 'ada' });
      const stats = await app.get('/limits/stats?top=5', auth);
      expectStatus(stats, 200);
      expect(stats.body.counts).toEqual([
        { policy: 'per-ip', endpoint: 'GET /api/hello', allowed: 1, denied: 0 },
        { policy: 'per-ip', endpoint: 'GET /api/search', allowed: 4, denied: 0 },
        { policy: 'per-user', endpoint: 'GET /api/hello', allowed: 1, denied: 0 },
        { policy: 'per-user', endpoint: 'GET /api/search', allowed: 4, denied: 0 },
        { policy: 'search', endpoint: 'GET /api/search', allowed: 4, denied: 4 },
      ]);
      expect(stats.body.topOffenders).toEqual([
        { subject: 'search:user=mallory,endpoint=GET /api/search', denied: 3 },
        { subject: 'search:user=eve,endpoint=GET /api/search', denied: 1 },
      ]);
      expect((await app.get('/limits/stats?top=0', auth)).status).toBe(400);
    } finally {
      await app.close();
    }
  });

  describe('when Redis is down', () => {
    let redis: ManagedRedis;
    beforeAll(async () => {
      redis = await startRedisServer();
    });
    afterAll(() => redis.dispose());

    const clients: Redis[] = [];
    afterAll(() => clients.forEach((c) => c.disconnect()));
    // No offline queue: while the server is gone a command fails at once instead of waiting.
    const client = async () => {
      const c = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
      c.on('error', () => {});
      clients.push(c);
      await waitFor(() => c.status === 'ready', { what: 'the private Redis connection' });
      return c;
    };

    it('fails open (the default): requests go through, counted as failures', async () => {
      const app = await serve(await client(), keyBuilder({ lab: 'down' }), { policies: POLICIES });
      try {
        const up = await app.get('/api/hello', { 'x-user-id': 'ada' });
        expectStatus(up, 200);
        expect(up.headers.get('ratelimit')).not.toBeNull();
        await redis.stop();
        const res = await app.get('/api/hello', { 'x-user-id': 'ada' });
        expectStatus(res, 200);
        expect(res.headers.get('ratelimit')).toBeNull();
        const down = await app.get('/limits/stats', auth);
        expect(down.body).toMatchObject({ available: false, redisFailures: { failedOpen: 1, failedClosed: 0 } });
        const metrics = await (await fetch(`${app.url}/metrics`)).text();
        expect(metrics).toContain('lab_5_3_1_limiter_redis_failures_total{mode="open"} 1');
      } finally {
        await app.close();
        await redis.start();
      }
    });

    it('fails closed when configured: 503 with Retry-After, then recovers', async () => {
      const c = await client();
      const app = await serve(c, keyBuilder({ lab: 'down' }), { policies: POLICIES, failMode: 'closed' });
      try {
        await redis.stop();
        const res = await app.get('/api/hello', { 'x-user-id': 'ada' });
        expectStatus(res, 503);
        expect(res.body.error.code).toBe('rate_limiter_unavailable');
        expect(res.headers.get('retry-after')).toBe('1');
        await redis.start();
        const back = await waitFor(async () => {
          const r = await app.get('/api/hello', { 'x-user-id': 'ada' });
          return r.status !== 503 && r;
        }, { what: 'the limiter to answer again' });
        expect(back.status).toBe(200);
      } finally {
        await app.close();
        if (!redis.running) await redis.start(); // an early failure must not leave the next test without a server
      }
    });

    it('treats a Redis that stalls past timeoutMs as down, and recovers when it answers again', async () => {
      const app = await serve(await client(), keyBuilder({ lab: 'stall' }), { policies: POLICIES, failMode: 'closed', timeoutMs: 300 });
      try {
        redis.pause(); // the connection stays up, the command is sent, no reply ever comes
        const res = await app.get('/api/hello', { 'x-user-id': 'ada' });
        expectStatus(res, 503);
        expect(res.body.error.code).toBe('rate_limiter_unavailable');
        redis.resume();
        const back = await waitFor(async () => {
          const r = await app.get('/api/hello', { 'x-user-id': 'ada' });
          return r.status === 200 && r;
        }, { what: 'the limiter to answer again' });
        expect(back.headers.get('ratelimit')).toMatch(/^"per-ip";r=\d+;t=\d+, "per-user";r=\d+;t=\d+$/);
      } finally {
        redis.resume();
        await app.close();
      }
    });
  });
});
