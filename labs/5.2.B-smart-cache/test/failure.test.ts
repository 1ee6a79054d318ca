import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { connectSmartCache, type SmartCache } from '../src/cache';
import { counting } from './helpers';

let server: ManagedRedis;
let acl: ManagedRedis;
const opened: Array<SmartCache | Redis> = [];
beforeAll(async () => {
  [server, acl] = await Promise.all([
    startRedisServer(),
    // An ACL user the cache logs in as; the default user stays for the harness's own ping.
    startRedisServer({ args: ['--user', 'cacheuser', 'on', '>s3cret', '~*', '&*', '+@all'] }),
  ]);
});
afterAll(async () => {
  for (const o of opened) (o instanceof Redis ? o.disconnect() : await o.close());
  await Promise.all([server?.dispose(), acl?.dispose()]);
});

/** A generous command timeout keeps a loaded test machine from looking like an outage. */
async function cacheOn(url: string, commandTimeoutMs = 1000) {
  const cache = await connectSmartCache(url, { keyBase: 'fx', ttl: 60_000, breaker: { failureThreshold: 3, probeIntervalMs: 100 }, redisOptions: { commandTimeoutMs } });
  opened.push(cache);
  return cache;
}

describe('Redis outage: L1 + loader, then recovery by itself', () => {
  it('keeps answering while Redis is down and uses Redis again once it is back', async () => {
    const cache = await cacheOn(server.url);
    const probe = new Redis(server.url, { retryStrategy: () => 100, maxRetriesPerRequest: 1 });
    probe.on('error', () => {});
    opened.push(probe);
    const db = counting(() => 'row');
    const load = (id: number) => () => db().then((v) => `${v} ${id}`);
    expect(await cache.getOrSet('p:1', load(1))).toBe('row 1');
    expect(await probe.exists(cache.keys.data('default', 'p:1'))).toBe(1);

    await server.stop();
    const during: string[] = [];
    for (let i = 0; i < 20; i++) {
      during.push(await cache.getOrSet('p:1', load(1))); // L1
      during.push(await cache.getOrSet(`p:${100 + i}`, load(100 + i))); // the database
    }
    expect(during.filter((v, i) => v !== (i % 2 ? `row ${100 + (i - 1) / 2}` : 'row 1'))).toEqual([]);
    expect(cache.breaker.state).toBe('open');
    expect((await cache.health()).status).toBe('down');
    await cache.set('during-outage', 1); // a write while down is not an error either
    await cache.invalidateTags(['anything']);

    await server.start();
    let n = 0;
    await waitFor(
      async () => {
        const key = `after:${n++}`;
        await cache.getOrSet(key, load(n));
        return (await probe.exists(cache.keys.data('default', key))) === 1;
      },
      { timeoutMs: 5000, intervalMs: 100, what: 'the cache to write to Redis again' },
    );
    expect(cache.breaker.state).toBe('closed');
    expect((await cache.health()).status).toBe('up');
  });

  it('a stalled Redis (no answers) trips the breaker through command timeouts, then recovers', async () => {
    const cache = await cacheOn(server.url, 250);
    await cache.getOrSet('warm', () => 'w');
    server.pause();
    try {
      for (let i = 0; cache.breaker.state === 'closed' && i < 10; i++) expect(await cache.getOrSet(`stall:${i}`, () => `db ${i}`)).toBe(`db ${i}`);
      expect(cache.breaker.state).toBe('open');
      expect(await cache.getOrSet('warm', () => 'unused')).toBe('w');
      expect(await cache.getOrSet('stall:x', () => 'db x')).toBe('db x');
    } finally {
      server.resume();
    }
    await waitFor(() => cache.breaker.state === 'closed', { timeoutMs: 5000, what: 'the breaker to close' });
  });
});

describe('security: ACL user and password from the URL', () => {
  it('authenticates as the ACL user given in redis://user:password@host', async () => {
    const cache = await cacheOn(`redis://cacheuser:s3cret@127.0.0.1:${acl.port}`);
    await cache.set('secret-key', 'ok');
    const check = new Redis(`redis://cacheuser:s3cret@127.0.0.1:${acl.port}`);
    opened.push(check);
    expect(await check.call('ACL', 'WHOAMI')).toBe('cacheuser');
    expect(await check.exists(cache.keys.data('default', 'secret-key'))).toBe(1);
  });

  it('with a wrong password the cache still answers (L1 + loader), it just has no Redis', async () => {
    const cache = await cacheOn(`redis://cacheuser:wrong@127.0.0.1:${acl.port}`);
    const load = counting('from db');
    expect(await cache.getOrSet('x', load)).toBe('from db');
    expect(await cache.getOrSet('x', load)).toBe('from db');
    expect(load.calls).toBe(1);
    expect((await cache.health()).status).toBe('down');
  });
});
