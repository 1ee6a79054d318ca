import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { freePort, waitFor } from '../../../harness/ports';
import { connectSmartCache, type SmartCache } from '../src/cache';
import type { CacheRedisOptions } from '../src/redis-client';
import { counting } from './helpers';

// The ACL the README tells operators to give the cache's user (its key base here is `fx`).
const CACHE_ACL = ['resetchannels', '~fx:*', '&fx:*', '+@read', '+@write', '+@keyspace', '+@pubsub', '+@scripting', '+ping', '+info', '+time'];
const cacheUser = ['--user', 'cacheuser', 'on', '>s3cret', ...CACHE_ACL];

let server: ManagedRedis;
let acl: ManagedRedis;
let tls: { server: ManagedRedis; port: number; ca: Buffer; dir: string };
const opened: Array<SmartCache | Redis> = [];

/** A private TLS redis-server (self-signed certificate made with openssl) that also has the ACL user. */
async function startTlsRedis() {
  const dir = mkdtempSync(path.join(tmpdir(), 'sc-tls-'));
  const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
  const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`openssl could not make a test certificate: ${gen.stderr ?? gen.error}`);
  const port = await freePort();
  // The plain port stays open for the harness's readiness ping and the test's own checks.
  const srv = await startRedisServer({ args: ['--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no', ...cacheUser] }).catch((err: Error) => {
    throw new Error(`redis-server would not start with TLS (is it built with BUILD_TLS=yes?): ${err.message}`);
  });
  return { server: srv, port, ca: readFileSync(cert), dir };
}

beforeAll(async () => {
  [server, acl, tls] = await Promise.all([
    startRedisServer(),
    // An ACL user the cache logs in as; the default user stays for the harness's own ping.
    startRedisServer({ args: cacheUser }),
    startTlsRedis(),
  ]);
});
afterAll(async () => {
  for (const o of opened) (o instanceof Redis ? o.disconnect() : await o.close());
  await Promise.all([server?.dispose(), acl?.dispose(), tls?.server.dispose()]);
  if (tls) rmSync(tls.dir, { recursive: true, force: true });
});

/** A generous command timeout keeps a loaded test machine from looking like an outage. */
async function cacheOn(url: string, commandTimeoutMs = 1000, more: { redis?: CacheRedisOptions['extra']; onError?: (err: unknown, op: string) => void } = {}) {
  const cache = await connectSmartCache(url, { keyBase: 'fx', ttl: 60_000, breaker: { failureThreshold: 3, probeIntervalMs: 100 }, redisOptions: { commandTimeoutMs, extra: more.redis }, onError: more.onError });
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
    // Invalidations other instances sent while we were cut off are lost: the bus's reconnect empties L1.
    await waitFor(() => cache.l1!.get('default', 'p:1') === undefined, { what: 'L1 to start afresh after the reconnect' });
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

describe('security: ACL user and password, and TLS, from the URL', () => {
  it('authenticates as the ACL user given in redis://user:password@host, with only the ACL the README gives', async () => {
    const errors: string[] = [];
    const cache = await cacheOn(`redis://cacheuser:s3cret@127.0.0.1:${acl.port}`, 1000, { onError: (err, op) => errors.push(`${op}: ${(err as Error).message}`) });
    await cache.set('secret-key', 'ok', { tags: ['t'] });
    const admin = new Redis(acl.url); // the default user, to look from outside
    opened.push(admin);
    expect(await admin.exists(cache.keys.data('default', 'secret-key'))).toBe(1);
    // Both connections log in as the user: commands, and the bus subscriber (on a loaded machine it may
    // still be connecting when start() stops waiting for it).
    const asCacheUser = async () => String(await admin.call('CLIENT', 'LIST')).match(/ user=cacheuser /g)?.length ?? 0;
    await waitFor(async () => (await asCacheUser()) === 2, { what: 'two connections logged in as cacheuser' });
    // Everything the cache does is allowed: the lock (SET NX, Lua release), the tag index (Lua), the bus,
    // the breaker's PING…
    expect(await cache.getOrSet('loaded', () => 'v')).toBe('v');
    await cache.delete('loaded');
    expect(await cache.health()).toMatchObject({ status: 'up' });
    expect(errors).toEqual([]);
    // …and what invalidation sends (asked directly here, so the exercises' code is not needed).
    const asUser = new Redis(`redis://cacheuser:s3cret@127.0.0.1:${acl.port}`);
    opened.push(asUser);
    const tagKey = cache.keys.tag('t');
    expect(await asUser.zrange(tagKey, 0, 10)).toEqual([cache.keys.data('default', 'secret-key')]);
    expect((await asUser.scan('0', 'MATCH', cache.keys.match('default'), 'COUNT', 100))[0]).toMatch(/^\d+$/);
    expect(await asUser.unlink(cache.keys.data('default', 'secret-key'), tagKey)).toBe(2);
  });

  it('with a wrong password the cache still answers (L1 + loader), it just has no Redis', async () => {
    const cache = await cacheOn(`redis://cacheuser:wrong@127.0.0.1:${acl.port}`);
    const load = counting('from db');
    expect(await cache.getOrSet('x', load)).toBe('from db');
    expect(await cache.getOrSet('x', load)).toBe('from db');
    expect(load.calls).toBe(1);
    expect((await cache.health()).status).toBe('down');
  });

  it('speaks TLS to rediss://user:password@host (private CA through redisOptions.extra), bus included', async () => {
    const url = `rediss://cacheuser:s3cret@127.0.0.1:${tls.port}`;
    const [a, b] = [await cacheOn(url, 1000, { redis: { tls: { ca: tls.ca } } }), await cacheOn(url, 1000, { redis: { tls: { ca: tls.ca } } })];
    expect(await a.health()).toMatchObject({ status: 'up' });
    await a.set('over-tls', 'v1');
    const plain = new Redis(tls.server.url); // the same server's plain port, as the default user
    opened.push(plain);
    expect(await plain.exists(a.keys.data('default', 'over-tls'))).toBe(1);
    // b's L1 learns of a's write over the bus, whose subscriber is a TLS connection too.
    expect(await b.get('over-tls')).toBe('v1');
    await a.set('over-tls', 'v2');
    await waitFor(async () => (await b.get('over-tls')) === 'v2', { what: 'b to hear of the write over the TLS bus' });
    // The certificate is checked: without the CA the handshake fails and the cache runs without Redis.
    const unverified = await cacheOn(url);
    expect(await unverified.getOrSet('over-tls', () => 'from db')).toBe('from db');
    expect((await unverified.health()).status).toBe('down');
  });
});
