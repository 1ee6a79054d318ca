// Two app instances on one Redis and one Postgres, each with its own L1 and its own Redis clients (two
// processes in all but the pid): a stampede across both makes ONE Postgres load, a held lease is waited
// on for a bounded time only, and a write through one instance drops the page from the other's L1.
import type { RedisClient } from '../../shared/redis-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/ports';
import { listen, type Listening } from '../../shared/http';
import { TEST_SCRYPT } from '../../shared/password';
import { createBookApp } from '../src/app';
import { ReadThroughCache } from '../src/cache';
import { lockKeyOf } from '../src/cache-lock';
import { createBookService, type BookService } from '../src/service';
import { startCapstone, type Capstone } from './fixtures';

let a: Capstone;
let b: { service: BookService; http: Listening; redis: RedisClient };

beforeAll(async () => {
  // A generous wait bound: on a loaded machine a load may take a while, and this test counts loads.
  a = await startCapstone({ app: { limits: false }, service: { lockWaitMs: 10_000 } });
  const redis = a.ctx.newRedis();
  const now = () => a.clock.now;
  const service = await createBookService({ pool: a.ctx.pg, redis, keys: a.ctx.keys, log: a.ctx.log, metadataUrl: a.metadata.url, now, passwordParams: TEST_SCRYPT, sessionSecret: 'x'.repeat(32), lockWaitMs: 10_000 });
  const http = await listen(createBookApp({ service, redis, keys: a.ctx.keys, now, limits: false }));
  b = { service, http, redis };
});
afterAll(async () => {
  await b?.http.close();
  await b?.service.close();
  await a?.close();
});

const get = async (base: string, path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, cache: res.headers.get('x-cache'), body: (await res.json()) as any };
};

describe('cross-process stampede protection', () => {
  it('40 concurrent misses on one book, half on each instance, make one Postgres load in all', async () => {
    const id = a.seed.popular[70]!;
    const before = a.service.db.queries + b.service.db.queries;
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => get(i % 2 ? b.http.url : a.http.url, `/books/${id}`)));
    expect(answers.every((r) => r.status === 200)).toBe(true);
    // One load = the book query + the first review page, on whichever instance took the lease.
    expect(a.service.db.queries + b.service.db.queries - before).toBe(2);
    expect(answers.filter((r) => r.cache === 'MISS').length).toBeGreaterThan(0);
    expect(new Set(answers.map((r) => r.body.rating.count)).size).toBe(1);
  });

  it('a lease nobody releases is waited on for the bounded time only, then the reader loads by itself', async () => {
    const id = a.seed.popular[71]!;
    const key = a.service.keys.bookPage(id);
    await a.ctx.redis.set(lockKeyOf(key), 'a-process-that-died', 'PX', 60_000);
    // Its own cache with a short bound (the instances here wait long: the stampede test counts loads).
    const cache = new ReadThroughCache({ redis: a.ctx.redis, lockWaitMs: 50 });
    const before = a.service.db.queries;
    const { outcome, value } = await cache.read('bookPage', key, async () => {
      await a.service.db.book(id);
      return { loaded: id };
    }, { generationKey: a.service.keys.bookGeneration(id) });
    expect(outcome).toBe('MISS');
    expect(value).toEqual({ loaded: id });
    expect(a.service.db.queries - before).toBe(1);
    // The dead holder's lease is not ours to delete: it expires by itself.
    expect(await a.ctx.redis.get(lockKeyOf(key))).toBe('a-process-that-died');
  });

  it('a leftover lock of this process (its SET ran after the reply timed out) is not waited on', async () => {
    const id = a.seed.popular[75]!;
    const key = a.service.keys.bookPage(id);
    // A bound no test would sit out: if the leftover were waited on, this test would time out.
    const cache = new ReadThroughCache({ redis: a.ctx.redis, lockWaitMs: 600_000 });
    const leftover = `${cache.lockOwner}:999999`;
    await a.ctx.redis.set(lockKeyOf(key), leftover, 'PX', 600_000);
    const { outcome, value } = await cache.read('bookPage', key, async () => ({ loaded: id }), { generationKey: a.service.keys.bookGeneration(id) });
    expect(outcome).toBe('MISS');
    expect(value).toEqual({ loaded: id });
    expect(await a.ctx.redis.get(lockKeyOf(key))).toBe(leftover);
    await a.ctx.redis.unlink(lockKeyOf(key));
  });
});

/** Waits until B's bus delivered a message naming `key` (not just any message: see below). */
async function heardDrop(key: string, dropsBefore: number): Promise<void> {
  await waitFor(async () => b.service.cache.bus!.remoteDrops > dropsBefore && heard.some((keys) => keys.includes(key)), { what: `B to hear the invalidation of ${key}` });
}
const heard: string[][] = [];
beforeAll(() => {
  const forget = b.service.cache.forgetLocal.bind(b.service.cache);
  // Every drop B makes, its own and the bus's (the bus calls forgetLocal on the instance).
  b.service.cache.forgetLocal = (keys: string[]) => {
    heard.push(keys);
    forget(keys);
  };
});

describe('L1 invalidation across processes', () => {
  it('a review written through instance A drops the page from instance B\'s L1: B\'s next read shows it', async () => {
    const id = a.seed.popular[72]!;
    const first = await get(b.http.url, `/books/${id}`);
    expect((await get(b.http.url, `/books/${id}`)).cache).toBe('HIT-L1');
    const drops = b.service.cache.bus!.remoteDrops;

    const token = await a.login(41);
    const made = await a.call('POST', `/books/${id}/reviews`, { token, body: { rating: 3, body: 'written through A' } });
    expect(made.status).toBe(201);
    // B learns it from the channel (not from its L1's ttl running out). A write invalidates up to three
    // owners (book, reviewer, author), one message each; on a cluster each comes from its own slot's
    // master, in no fixed order, so wait for the book's own message: its page gone from B's L1.
    await heardDrop(b.service.keys.bookPage(id), drops);
    const after = await get(b.http.url, `/books/${id}`);
    expect(after.cache).not.toBe('HIT-L1');
    expect(after.body.rating.count).toBe(first.body.rating.count + 1);
    expect(after.body.reviews.reviews[0].body).toBe('written through A');
  });

  it('the message names only the book written to: another book stays in B\'s L1', async () => {
    const [id, other] = [a.seed.popular[73]!, a.seed.popular[74]!];
    for (const x of [id, other]) await get(b.http.url, `/books/${x}`);
    const drops = b.service.cache.bus!.remoteDrops;
    const token = await a.login(42);
    expect((await a.call('POST', `/books/${id}/reviews`, { token, body: { rating: 4, body: 'only this book' } })).status).toBe(201);
    await heardDrop(b.service.keys.bookPage(id), drops);
    expect((await get(b.http.url, `/books/${id}`)).cache).not.toBe('HIT-L1');
    expect((await get(b.http.url, `/books/${other}`)).cache).toMatch(/^HIT/);
  });
});
