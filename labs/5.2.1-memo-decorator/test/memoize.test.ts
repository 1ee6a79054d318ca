import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { listen, type Listening } from '../../../shared/http';
import type { RedisClient } from '../../../shared/redis-client';
import { memoize, memoRedisOptions, whenReady, type MemoizeOptions } from '../src/memoize';
import { SingleFlight } from '../src/single-flight';
import { WeatherClient } from '../src/weather-client';
import { createWeatherService, type WeatherService } from '../src/weather-service';

let ctx: LabContext;
let redis: RedisClient;
let weather: WeatherService;
let server: Listening;

/**
 * Tests that expect a Redis write or hit to land wait this long for Redis: the production 100 ms bound
 * is a latency budget, and on a loaded CI box a reply can miss it, turning a hit into a fallback. The
 * tests of the fallback itself stop or pause Redis, or set their own short timeout.
 */
const PATIENT_MS = 5_000;
const patientRedis = { ...memoRedisOptions, commandTimeout: PATIENT_MS };

beforeAll(async () => {
  ctx = await createTestContext('5.2.1', { services: ['redis'] });
  redis = await whenReady(ctx.newRedis(patientRedis));
  weather = createWeatherService({ latencyMs: 5 });
  server = await listen(weather.app);
});
afterAll(async () => {
  await server?.close();
  await ctx?.dispose();
});

let ns = 0;
/** Each test gets its own key namespace under the context prefix. */
const namespace = () => ctx.keys.key('memo', `t${++ns}`);

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};

/** An upstream stand-in that counts calls and resolves when told to. */
function slowSquare() {
  let calls = 0;
  const waiting: Array<() => void> = [];
  const fn = async (n: number) => {
    calls++;
    await new Promise<void>((r) => waiting.push(r));
    return n * n;
  };
  return { fn, calls: () => calls, release: () => waiting.splice(0).forEach((r) => r()) };
}

describe('exercise 3: single-flight and the memoized layers', () => {
  it('SingleFlight: concurrent callers of one key share one call', async () => {
    const sf = new SingleFlight<string>();
    const up = slowSquare();
    const all = Promise.all(Array.from({ length: 100 }, () => sf.run('k', () => up.fn(7))));
    await waitFor(() => up.calls() === 1);
    up.release();
    expect(await all).toEqual(Array(100).fill(49));
    expect(up.calls()).toBe(1);
    expect(sf.joins).toBe(99);
    expect(sf.size).toBe(0);
  });

  it('SingleFlight: a failure reaches every joined caller and is not remembered', async () => {
    const sf = new SingleFlight<string>();
    let attempt = 0;
    const fn = async () => {
      attempt++;
      await Promise.resolve();
      if (attempt === 1) throw new Error('boom');
      return attempt;
    };
    const results = await Promise.allSettled([sf.run('k', fn), sf.run('k', fn), sf.run('k', fn)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await sf.run('k', fn)).toBe(2);
  });

  it('100 concurrent callers with the same arguments make one upstream call', async () => {
    const up = slowSquare();
    const sq = memoize(up.fn, { ttlMs: 60_000, mode: 'l1' });
    const all = Promise.all(Array.from({ length: 100 }, () => sq(12)));
    await waitFor(() => up.calls() === 1);
    up.release();
    expect(new Set(await all)).toEqual(new Set([144]));
    expect(up.calls()).toBe(1);
    expect(sq.stats()).toMatchObject({ joins: 99, upstream: { calls: 1 }, l1: { misses: 100, hits: 0 } });
    expect(await sq(12)).toBe(144);
    expect(sq.stats().l1.hits).toBe(1);
  });

  it('L1 entries expire after the TTL (injected clock) and are fetched again', async () => {
    const c = clock();
    let calls = 0;
    const f = memoize(async (x: string) => `${x}:${++calls}`, { ttlMs: 1_000, mode: 'l1', now: c.now });
    expect(await f('a')).toBe('a:1');
    c.advance(999);
    expect(await f('a')).toBe('a:1');
    c.advance(1);
    expect(await f('a')).toBe('a:2');
  });

  it('L1 counts evictions when more keys than max are used', async () => {
    const f = memoize(async (x: number) => x + 1, { ttlMs: 60_000, max: 2, mode: 'l1' });
    for (const x of [1, 2, 3, 1]) await f(x);
    expect(f.stats()).toMatchObject({ l1: { size: 2, evictions: 2, hits: 0 }, upstream: { calls: 4 } });
  });

  it('hybrid: an L2 hit is promoted into L1 with the time it has left', async () => {
    const c = clock();
    let calls = 0;
    const fn = async (city: string) => ({ city, call: ++calls });
    const opts: MemoizeOptions = { ttlMs: 10_000, mode: 'hybrid', redis, namespace: namespace(), now: c.now, name: 'forecast', redisTimeoutMs: PATIENT_MS };
    const a = memoize(fn, opts); // "process A"
    const b = memoize(fn, opts); // "process B": its own L1, the same Redis
    expect(await a('Oslo')).toEqual({ city: 'Oslo', call: 1 });
    expect(await redis.exists(a.keyFor('Oslo'))).toBe(1);

    c.advance(9_000);
    expect(await b('Oslo')).toEqual({ city: 'Oslo', call: 1 });
    expect(b.stats()).toMatchObject({ l1: { misses: 1, hits: 0 }, l2: { hits: 1 }, upstream: { calls: 0 } });
    expect(await b('Oslo')).toEqual({ city: 'Oslo', call: 1 });
    expect(b.stats()).toMatchObject({ l1: { hits: 1 }, l2: { hits: 1 } });

    // The promoted copy had 1 s left; past it, both layers count as expired and upstream is asked again.
    c.advance(1_000);
    expect(await b('Oslo')).toEqual({ city: 'Oslo', call: 2 });
    expect(calls).toBe(2);
  });

  it('l2 mode keeps nothing in the process; a new version ignores old entries', async () => {
    let calls = 0;
    const fn = async (x: number) => x * 10 + ++calls;
    const nsp = namespace();
    const v1 = memoize(fn, { ttlMs: 60_000, mode: 'l2', redis, namespace: nsp, name: 'f', redisTimeoutMs: PATIENT_MS });
    expect(await v1(1)).toBe(11);
    expect(await v1(1)).toBe(11);
    expect(v1.stats()).toMatchObject({ l1: { size: 0 }, l2: { hits: 1, misses: 1 }, upstream: { calls: 1 } });
    const v2 = memoize(fn, { ttlMs: 60_000, mode: 'l2', redis, namespace: nsp, name: 'f', version: 2, redisTimeoutMs: PATIENT_MS });
    expect(await v2(1)).toBe(12);
  });

  it('a custom key function decides which calls share an entry; namespace and version still apply', async () => {
    let calls = 0;
    const f = memoize(async (city: string) => `${city}:${++calls}`, {
      ttlMs: 60_000,
      mode: 'l1',
      namespace: 'ns',
      version: 3,
      name: 'forecast',
      key: ([city]) => String(city).toLowerCase(),
    });
    expect(f.keyFor('Oslo')).toBe('ns:v3:forecast:oslo');
    expect(await f('Oslo')).toBe('Oslo:1');
    expect(await f('OSLO')).toBe('Oslo:1'); // same key: one upstream call
    expect(await f('Rome')).toBe('Rome:2');
    expect(f.stats()).toMatchObject({ l1: { hits: 1, misses: 2 }, upstream: { calls: 2 } });
  });

  it('@Memoize on a class method: one HTTP call for concurrent and reordered arguments', async () => {
    weather.reset();
    const client = new WeatherClient(server.url, { ttlMs: 60_000, mode: 'hybrid', redis, namespace: namespace(), redisTimeoutMs: PATIENT_MS });
    const answers = await Promise.all(Array.from({ length: 100 }, () => client.forecast('Paris', { days: 2, units: 'metric' })));
    expect(weather.callsFor('Paris')).toBe(1);
    expect(new Set(answers.map((a) => a.call)).size).toBe(1);
    await client.forecast('Paris', { units: 'metric', days: 2 });
    expect(weather.callsFor('Paris')).toBe(1);
    expect(client.stats()).toMatchObject({ joins: 99, l1: { hits: 1 }, upstream: { calls: 1 } });

    // A second instance (think: another process) reuses the Redis entry.
    const other = new WeatherClient(server.url, client.memo);
    await other.forecast('Paris', { days: 2, units: 'metric' });
    expect(weather.callsFor('Paris')).toBe(1);
    expect(other.stats()?.l2.hits).toBe(1);
  });

  it('an upstream failure reaches the callers and is not cached', async () => {
    weather.reset();
    weather.set({ failureRate: 1 });
    const client = new WeatherClient(server.url, { ttlMs: 60_000, mode: 'l1' });
    try {
      const results = await Promise.allSettled([client.forecast('Lima'), client.forecast('Lima')]);
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
    } finally {
      weather.set({ failureRate: 0 });
    }
    expect((await client.forecast('Lima')).city).toBe('Lima');
    expect(weather.callsFor('Lima')).toBe(2);
    expect(client.stats()?.upstream.errors).toBe(1);
  });

  describe('when Redis is down', () => {
    let managed: ManagedRedis;
    let r: Redis;
    beforeAll(async () => {
      managed = await startRedisServer();
      // Its own client on the private server (ctx.newRedis would point at the shared one).
      r = new Redis(managed.url, { ...patientRedis, retryStrategy: () => 50 });
      r.on('error', () => {});
      await whenReady(r);
    });
    afterAll(async () => {
      r?.disconnect();
      await managed?.dispose();
    });

    it('falls back to L1 + upstream, never an error, and uses Redis again once it is back', async () => {
      const c = clock();
      let calls = 0;
      const fn = async (x: string) => `${x}:${++calls}`;
      const opts: MemoizeOptions = { ttlMs: 60_000, mode: 'hybrid', redis: r, namespace: namespace(), name: 'f', now: c.now, redisRetryMs: 1_000, redisTimeoutMs: PATIENT_MS };
      const warm = memoize(fn, opts);
      expect(await warm('a')).toBe('a:1');

      await managed.stop();
      const cold = memoize(fn, opts); // a fresh process: empty L1, Redis unreachable
      expect(await cold('a')).toBe('a:2');
      expect(await cold('a')).toBe('a:2'); // L1 still works
      expect(await cold('b')).toBe('b:3');
      expect(cold.stats().l2.errors).toBeGreaterThanOrEqual(1);
      expect(cold.stats().l2.hits).toBe(0);

      const l2only = memoize(fn, { ...opts, mode: 'l2' });
      expect(await l2only('c')).toBe('c:4');

      await managed.start();
      await waitFor(() => r.status === 'ready', { what: 'client reconnect' });
      c.advance(1_000);
      expect(await cold('d')).toBe('d:5');
      expect(await r.exists(cold.keyFor('d'))).toBe(1);
      const again = memoize(fn, opts);
      expect(await again('d')).toBe('d:5');
      expect(again.stats().l2.hits).toBe(1);
    });

    it('a stalled Redis costs at most the command timeout, then upstream answers', async () => {
      let calls = 0;
      const f = memoize(async (x: string) => `${x}:${++calls}`, { ttlMs: 60_000, mode: 'hybrid', redis: r, namespace: namespace(), name: 'g', redisTimeoutMs: 50 });
      managed.pause();
      try {
        expect(await f('p')).toBe('p:1');
        expect(f.stats().l2.errors).toBe(1);
      } finally {
        managed.resume();
      }
    });
  });
});

describe('the weather service', () => {
  it('answers a forecast and counts calls per city', async () => {
    weather.reset();
    const res = await fetch(`${server.url}/forecast?city=Rome&days=2&units=imperial`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { days: unknown[] };
    expect(body).toMatchObject({ city: 'Rome', units: 'imperial', call: 1 });
    expect(body.days).toHaveLength(2);
    expect(weather.callsFor('rome')).toBe(1);
  });

  it('rejects bad input with a 400 and the shared error shape', async () => {
    const res = await fetch(`${server.url}/forecast?city=&days=99`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
  });

  it('fails with 503 at the configured rate', async () => {
    const svc = createWeatherService({ latencyMs: 0, failureRate: 0.5, random: (() => { let i = 0; return () => (i++ % 2 ? 0.9 : 0.1); })() });
    const s = await listen(svc.app);
    try {
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${s.url}/forecast?city=X`)).status);
      expect(statuses).toEqual([503, 200, 503, 200]);
      expect(svc.calls).toBe(4);
    } finally {
      await s.close();
    }
  });
});
