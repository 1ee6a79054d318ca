// Redis stalls and outages against private redis-servers (harness/faults.ts): locks written late must
// not hold a key, no answer carries driver text, and the service passes the outage drill.
import { Redis } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { describeDrill, runOutageDrill } from '../../../harness/drill';
import { expectDrillHeld } from '../../../harness/drill-expect';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { listen, type Listening } from '../../../shared/http';
import { connectSmartCache, type SmartCache } from '../src/cache';
import { createCacheRedis, createCacheSubscriber } from '../src/redis-client';
import { createService, type Service } from '../src/service/app';
import { seed } from '../src/service/db';
import { scanAll, uniqueKey } from './helpers';

let ctx: LabContext;
let server: ManagedRedis;
let look: Redis;
const auth = { apiKeys: { 'admin-key': 'admin' }, jwtSecret: new TextEncoder().encode('a-test-secret-that-is-32-bytes-long!!') };
const opened: Array<SmartCache | Service | Listening | RedisClient> = [];

beforeAll(async () => {
  [ctx, server] = await Promise.all([createTestContext('5.2.B', { serving: true }), startRedisServer()]);
  await seed(ctx.pg, { products: 300, users: 3 });
  look = new Redis(server.url, { retryStrategy: () => 100, maxRetriesPerRequest: 1 }); // the test's own view
  look.on('error', () => {});
});
afterAll(async () => {
  for (const o of opened.reverse()) ('disconnect' in o ? o.disconnect() : await o.close());
  look?.disconnect();
  await server?.dispose();
  await ctx?.dispose();
});

/** The service on the private server, made the way serve.ts makes it. */
async function serviceOn(url: string) {
  const [redis, subscriber] = [createCacheRedis(url), createCacheSubscriber(url)];
  const svc = await createService({ pg: ctx.pg, redis, subscriber, keyBase: `svc-${uniqueKey()}`, auth, warmCount: 0 });
  const http = await listen(svc.app);
  opened.push(redis, subscriber, svc, http);
  return { svc, http };
}

/** A fetch that must be answered within the outage bound (1 s) or fails as a hang. */
const within1s = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers, signal: AbortSignal.timeout(1000) });

describe('stampede locks written late or left behind do not hold a key (issue 12)', () => {
  // SIGSTOP and CLIENT PAUSE ALL stall everything; CLIENT PAUSE WRITE lets the GET through and holds
  // the lock's SET, which then lands after the client gave up on it: a lock nobody will release.
  it.each(['sigstop', 'client-pause', 'client-pause-write'] as const)('after a stall (%s) the key answers at once: a lock Redis ran after the client gave up is taken over', async (freeze) => {
    const cache = await connectSmartCache(server.url, { keyBase: `late-${freeze}`, breaker: { failureThreshold: 3, probeIntervalMs: 50 } });
    opened.push(cache);
    const key = uniqueKey('late');
    if (freeze === 'sigstop') server.pause();
    else await look.call('CLIENT', 'PAUSE', '1200', freeze === 'client-pause' ? 'ALL' : 'WRITE');
    try {
      // Redis calls time out on the client; the loader fails too, so no value is stored.
      await expect(cache.getOrSet(key, () => Promise.reject(new Error('db down too')))).rejects.toThrow('db down too');
    } finally {
      if (freeze === 'sigstop') server.resume();
    }
    if (freeze === 'client-pause-write') await waitFor(async () => (await look.exists(cache.keys.lock('default', key))) === 1, { what: 'the late lock to land' });
    await waitFor(() => cache.breaker.state === 'closed' && look.status === 'ready', { what: 'the breaker to close' });
    const t0 = performance.now();
    const answer = await Promise.race([cache.getOrSet(key, () => 'loaded'), new Promise((r) => setTimeout(() => r('still waiting after 1 s'), 1000))]);
    expect([answer, performance.now() - t0 < 1000]).toEqual(['loaded', true]);
    expect(await look.exists(cache.keys.lock('default', key))).toBe(0);
  });
});

// Waiting on another process's lock is exercise 2's code (lock-wait.ts).
describe('exercise 2: cross-process stampede protection', () => {
  it("another process's lock that nobody releases holds a route for a bounded wait only, then the route answers", async () => {
    await server.start();
    const { svc, http } = await serviceOn(server.url);
    await look.set(svc.cache.keys.lock('product', '3'), 'a-dead-process:7', 'PX', 5000);
    const res = await within1s(`${http.url}/products/3`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: number }).id).toBe(3);
  });
});

describe('no driver text (issue 12)', () => {
  it('/cache/health says down, and nothing more, while Redis is gone', async () => {
    await server.start();
    const { http } = await serviceOn(server.url);
    await server.stop();
    try {
      for (let i = 0; i < 3; i++) {
        const res = await within1s(`${http.url}/cache/health`, { 'x-api-key': 'admin-key' });
        const text = await res.text();
        expect(JSON.parse(text)).toMatchObject({ status: 'down' });
        expect(Object.keys(JSON.parse(text)).sort()).toEqual(['breaker', 'status']);
        expect(text).not.toMatch(/ECONN|Connection is closed|timed out|writeable|retries|ioredis/i);
      }
    } finally {
      await server.start();
    }
  });
});

describe('a price change while Redis is gone', () => {
  it('is saved, but answered 503 + Retry-After (the caches could not be told); repeated once Redis is back: 200 and the new price is read', async () => {
    await server.start();
    const { svc, http } = await serviceOn(server.url);
    const before = (await (await within1s(`${http.url}/products/5`)).json()) as { priceCents: number };
    expect(await look.exists(svc.cache.keys.data('product', '5'))).toBe(1); // the old price, in L2
    await server.stop();
    const put = () => fetch(`${http.url}/products/5`, { method: 'PUT', headers: { 'x-api-key': 'admin-key', 'content-type': 'application/json' }, body: JSON.stringify({ priceCents: before.priceCents + 1 }), signal: AbortSignal.timeout(1000) });
    try {
      const during = await put();
      expect([during.status, during.headers.get('retry-after')]).toEqual([503, '1']);
    } finally {
      await server.start(); // empty again: restarted without persistence
    }
    await waitFor(async () => (await put()).status === 200, { what: 'the repeated PUT to succeed' });
    expect(((await (await within1s(`${http.url}/products/5`)).json()) as { priceCents: number }).priceCents).toBe(before.priceCents + 1);
  });
});

describe('outage drill (issue 12)', () => {
  it.each(['sigstop', 'client-pause'] as const)('the cached list route under load, Redis frozen (%s), killed and restarted: no hang, no 5xx, recovers, no locks left', async (freeze) => {
    await server.start();
    const { svc, http } = await serviceOn(server.url);
    let n = 0;
    // Mostly pages nobody asked for yet (each goes through the lock and the L2 write), some repeats.
    const request = (signal: AbortSignal) => {
      const i = n++;
      return fetch(`${http.url}/products?limit=${1 + (i % 20)}&offset=${i % 3 === 0 ? 0 : i}`, { signal });
    };
    const r = await runOutageDrill({ redis: server, request, freeze, hangMs: 3000 });
    expectDrillHeld(r);
    expect(r.samples.filter((s) => s.phase === 'after' && s.status === 200).length, describeDrill(r)).toBeGreaterThan(0);
    // Back to normal: the cache writes to the restarted Redis, and no lock is left to hold a page.
    await waitFor(async () => (await scanAll(look, svc.cache.keys.match('http'))).length > 0, { what: 'pages cached in the restarted Redis' });
    await waitFor(async () => (await scanAll(look, `${svc.cache.keys.base}:l:*`)).length === 0, { timeoutMs: 2000, what: 'no lock keys left' });
    const again = await within1s(`${http.url}/products?limit=7&offset=${n + 1000}`);
    expect([again.status, again.headers.get('x-cache')]).toEqual([200, 'MISS']);
    expect((await within1s(`${http.url}/products?limit=7&offset=${n + 1000}`)).headers.get('x-cache')).toBe('HIT');
  });
});
