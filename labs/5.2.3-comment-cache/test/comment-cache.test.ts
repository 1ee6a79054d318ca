import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { runRace } from '../../../harness/race';
import { cacheComments } from '../src/bulk';
import { CommentCache } from '../src/comment-cache';
import { DEFAULT_TTL_RULE, ttlFor } from '../src/dynamic-ttl';
import { createRedisLock } from '../src/lock';
import { shouldRefreshEarly } from '../src/xfetch';
import type { ReaderArgs } from './reader-actor';
import { clock, makeCache, newPostId, seedComments, setupStore, type CountingStore } from './helpers';

let ctx: LabContext;
let store: CountingStore;

beforeAll(async () => {
  ctx = await createTestContext('5.2.3');
  store = await setupStore(ctx);
});
afterAll(() => ctx?.dispose());

const rule = DEFAULT_TTL_RULE;
const [cold, warm, hot] = rule.tiers as [(typeof rule.tiers)[0], (typeof rule.tiers)[0], (typeof rule.tiers)[0]];

describe('exercise 1: the dynamic TTL rule', () => {
  it('picks the highest tier the activity reaches', () => {
    expect(ttlFor(0, rule)).toBe(cold);
    expect(ttlFor(warm.minActivity - 1, rule)).toBe(cold);
    expect(ttlFor(warm.minActivity, rule)).toBe(warm);
    expect(ttlFor(hot.minActivity - 1, rule)).toBe(warm);
    expect(ttlFor(10_000, rule)).toBe(hot);
  });

  it('the TTL of a thread rises with its activity', async () => {
    const c = clock();
    const postId = newPostId();
    await seedComments(store, postId, 3);
    const cache = makeCache(ctx, store, { now: c.now, protection: false });
    expect((await cache.read(postId)).source).toBe('load');
    expect((await cache.meta(postId))?.tier).toBe('cold');
    const coldPttl = await cache.pttl(postId);
    expect(coldPttl).toBeGreaterThan(0);
    expect(coldPttl).toBeLessThanOrEqual(cold.ttlMs + 60_000);

    for (let i = 0; i < hot.minActivity; i++) {
      c.advance(100);
      await cache.read(postId);
    }
    const meta = await cache.meta(postId);
    expect(meta).toMatchObject({ tier: 'hot', ttl: hot.ttlMs });
    expect(await cache.pttl(postId)).toBeGreaterThan(cold.ttlMs + 60_000);
    expect(cache.localStats().ttl_changes).toBe(2); // cold → warm → hot
    expect(store.reads).toBeGreaterThanOrEqual(1);

    // Past the top tier more events cannot change the TTL: the log keeps the newest `hot.minActivity`.
    for (let i = 0; i < 30; i++) {
      c.advance(100);
      await cache.read(postId);
    }
    expect(await ctx.redis.zcard(cache.keys.activity(postId))).toBe(hot.minActivity);
    expect((await cache.read(postId)).tier).toBe('hot');
  });

  it('and falls again once the activity leaves the sliding window (injected clock)', async () => {
    const c = clock();
    const postId = newPostId();
    const shortWindow = { ...rule, windowMs: 10_000 }; // shorter than the warm TTL, so the list is still fresh
    const cache = makeCache(ctx, store, { now: c.now, protection: false, rule: shortWindow });
    for (let i = 0; i < warm.minActivity + 1; i++) await cache.read(postId);
    expect((await cache.meta(postId))?.tier).toBe('warm');
    c.advance(shortWindow.windowMs + 1);
    const r = await cache.read(postId);
    expect(r).toMatchObject({ source: 'hit', tier: 'cold' });
    expect((await cache.meta(postId))?.tier).toBe('cold');
    expect(await cache.pttl(postId)).toBeLessThanOrEqual(cold.ttlMs + 60_000);
  });
});

describe('exercise 2: write-through', () => {
  it('read-your-write: a new comment is in the cached list without a database read', async () => {
    const postId = newPostId();
    await seedComments(store, postId, 5);
    const cache = makeCache(ctx, store, { protection: false });
    expect((await cache.read(postId)).comments).toHaveLength(5);
    const readsBefore = store.reads;

    const added = await cache.addComment(postId, { author: 'ada', body: 'first!' });
    expect(added).toMatchObject({ postId, author: 'ada', body: 'first!' });
    const r = await cache.read(postId);
    expect(r.source).toBe('hit');
    expect(r.comments).toHaveLength(6);
    expect(r.comments.at(-1)).toEqual(added);
    expect(store.reads).toBe(readsBefore);
    expect(cache.localStats().writes).toBe(1);
  });

  it('a write to a cold post leaves it cold (no partial list); the next read loads everything', async () => {
    const postId = newPostId();
    await seedComments(store, postId, 2);
    const cache = makeCache(ctx, store, { protection: false });
    await cache.addComment(postId, { author: 'bob', body: 'hello' });
    expect(await ctx.redis.exists(cache.keys.list(postId))).toBe(0);
    const r = await cache.read(postId);
    expect(r.source).toBe('load');
    expect(r.comments.map((x) => x.body)).toContain('hello');
    expect(r.comments).toHaveLength(3);
  });

  it('a loader that read Postgres before a write does not cache a list missing it', async () => {
    const postId = newPostId();
    await seedComments(store, postId, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    const slow = { ...store, async listByPost(id: number) { const rows = await store.listByPost(id); reached(); await gate; return rows; } };
    const cache = makeCache(ctx, slow, { protection: false });
    const reading = cache.read(postId);
    await atGate; // the loader has its (old) rows
    await cache.addComment(postId, { author: 'cy', body: 'written mid-load' });
    release();
    expect((await reading).comments).toHaveLength(1); // that reader saw the database before the write
    expect(cache.localStats().fill_skipped).toBe(1);
    const after = await makeCache(ctx, store, { protection: false }).read(postId);
    expect(after.comments.map((x) => x.body)).toContain('written mid-load');
  });

  it('a comment a concurrent load already read is not served twice when the write-through appends it', async () => {
    const postId = newPostId();
    await seedComments(store, postId, 1);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The writer's INSERT commits, then it stalls before its MULTI; meanwhile a reader loads and fills.
    const stalledWriter = { ...store, async insert(id: number, c: { author: string; body: string }) { const row = await store.insert(id, c); await gate; return row; } };
    const writer = makeCache(ctx, stalledWriter, { protection: false });
    const reader = makeCache(ctx, store, { protection: false });
    const writing = writer.addComment(postId, { author: 'fay', body: 'twice?' });
    // (racing `writing` too, so a write-through that throws fails here instead of timing out)
    await Promise.race([waitFor(async () => (await store.listByPost(postId)).length === 2), writing]);
    expect((await reader.read(postId)).comments).toHaveLength(2); // loaded with the new comment
    release();
    const added = await writing; // RPUSHX appends it again to the list the reader filled
    const r = await reader.read(postId);
    expect(r.source).toBe('hit');
    expect(r.comments.filter((c) => c.id === added.id)).toHaveLength(1);
    expect(r.comments).toHaveLength(2);
  });

  it('bulk import appends to cached threads and leaves cold ones cold', async () => {
    const warmPost = newPostId();
    const coldPost = newPostId();
    const cache = makeCache(ctx, store, { protection: false });
    await cache.read(warmPost); // cached, empty
    const rows = await store.insertMany(
      Array.from({ length: 30 }, (_, i) => ({ postId: i % 2 ? warmPost : coldPost, author: 'bulk', body: `b${i}` })),
    );
    await cacheComments(ctx.redis, cache.keys, rows, 'pipeline');
    const r = await cache.read(warmPost);
    expect(r.source).toBe('hit');
    expect(r.comments).toHaveLength(15);
    expect(await ctx.redis.exists(cache.keys.list(coldPost))).toBe(0);
  });

  describe('when the Redis write fails', () => {
    let managed: ManagedRedis;
    let redis: Redis;
    beforeAll(async () => {
      managed = await startRedisServer();
      redis = new Redis(managed.url, { commandTimeout: 200, maxRetriesPerRequest: 1 });
      redis.on('error', () => {});
    });
    afterAll(async () => {
      redis?.disconnect();
      await managed?.dispose();
    });

    it('the comment is saved, the list is invalidated, and no reader gets a list missing it', async () => {
      const postId = newPostId();
      await seedComments(store, postId, 2);
      const cache = new CommentCache({ redis, store, keys: ctx.keys, protection: false });
      expect((await cache.read(postId)).comments).toHaveLength(2);

      managed.pause();
      let added;
      try {
        added = await cache.addComment(postId, { author: 'dee', body: 'while redis stalls' });
        expect(added.id).toBeGreaterThan(0);
        expect(cache.localStats().invalidation_failures).toBe(1);
        // Until the DEL gets through, this process answers the post from Postgres.
        const during = await cache.read(postId);
        expect(during.source).toBe('db');
        expect(during.comments).toHaveLength(3);
      } finally {
        managed.resume();
      }
      const after = await cache.read(postId);
      expect(after.source).not.toBe('hit');
      expect(after.comments.map((c) => c.id)).toContain(added.id);
      const other = new CommentCache({ redis, store, keys: ctx.keys, protection: false });
      expect((await other.read(postId)).comments.map((c) => c.id)).toContain(added.id);
    });
  });
});

describe('exercise 3: stampede protection', () => {
  it('the lock: SET NX PX with a token, released only by its holder', async () => {
    const lock = createRedisLock(ctx.redis);
    const key = ctx.keys.key('locktest', newPostId());
    const token = await lock.tryAcquire(key, 5_000);
    expect(token).toMatch(/^[0-9a-f]{16,}$/);
    expect(await lock.tryAcquire(key, 5_000)).toBeNull();
    const pttl = await ctx.redis.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    expect(await lock.release(key, 'not-my-token')).toBe(false);
    expect(await ctx.redis.get(key)).toBe(token);
    expect(await lock.release(key, token!)).toBe(true);
    expect(await ctx.redis.exists(key)).toBe(0);
    expect(await lock.release(key, token!)).toBe(false);
  });

  it('200 concurrent readers of a cold key in 2 processes: exactly 1 database load', async () => {
    const postId = newPostId();
    await seedComments(store, postId, 25);
    const args: ReaderArgs = {
      redisUrl: ctx.services.redis.url,
      databaseUrl: ctx.services.postgres.url,
      prefix: ctx.prefix,
      schema: ctx.schema,
      postId,
      loadDelayMs: 100,
    };
    const before = await makeCache(ctx, store).stats();
    const race = await runRace<ReaderArgs, { n: number; source: string }>({
      module: new URL('./reader-actor.ts', import.meta.url),
      actors: 200,
      processes: 2,
      args,
      invariant: (outcomes) => outcomes.filter((o) => !o.ok || o.value.n !== 25).map((o) => `reader ${o.index}: ${o.ok ? `${o.value.n} comments` : o.error}`),
    });
    const unfinished = race.outcomes.find((o) => !o.ok && o.error.includes('Not implemented'));
    if (unfinished && !unfinished.ok) throw new Error(unfinished.error);
    expect(race.violations).toEqual([]);
    const stats = await makeCache(ctx, store).stats();
    expect((stats.loads ?? 0) - (before.loads ?? 0)).toBe(1);
    // Single-flight sent one contender per process to the lock: at most the other process's one waited.
    expect((stats.stampede_waits ?? 0) - (before.stampede_waits ?? 0)).toBeLessThanOrEqual(1);
    const sources = race.outcomes.map((o) => (o.ok ? o.value.source : 'error'));
    expect(sources).toContain('load'); // the loader's process (its joiners share the same answer)
    expect(sources.every((s) => ['load', 'waited', 'hit'].includes(s))).toBe(true);
  });

  it('in one process, concurrent cold readers share one load (single-flight)', async () => {
    const postId = newPostId();
    await seedComments(store, postId, 4);
    const cache = makeCache(ctx, store);
    const before = store.reads;
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.read(postId)));
    expect(store.reads - before).toBe(1);
    expect(results.every((r) => r.comments.length === 4)).toBe(true);
  });

  it('an expired hot key: every reader gets the stale list at once, one reloads it', async () => {
    const c = clock();
    const postId = newPostId();
    await seedComments(store, postId, 3);
    const cache = makeCache(ctx, store, { now: c.now });
    await cache.read(postId);
    await cache.addComment(postId, { author: 'eve', body: 'new' }); // write-through: 4 in the list
    const before = store.reads;
    c.advance(cold.ttlMs + 1); // logically expired, still in Redis for the grace period
    const results = await Promise.all(Array.from({ length: 20 }, () => cache.read(postId)));
    expect(results.every((r) => r.source === 'stale' && r.comments.length === 4)).toBe(true);
    await cache.idle();
    expect(store.reads - before).toBe(1);
    const fresh = await cache.read(postId);
    expect(fresh.source).toBe('hit');
    expect(fresh.comments).toHaveLength(4);
  });

  it('with XFetch, a reader refreshes a fresh key before it expires', async () => {
    const c = clock();
    const postId = newPostId();
    await seedComments(store, postId, 2);
    const cache = makeCache(ctx, store, { now: c.now, xfetch: { beta: 1 }, random: () => 1e-9 });
    await cache.read(postId);
    const before = store.reads;
    c.advance(cold.ttlMs - 10); // 10 ms before expiry: -ln(1e-9) ≈ 20.7 load-times early is enough
    const r = await cache.read(postId);
    expect(r.source).toBe('hit');
    await cache.idle();
    expect(store.reads - before).toBe(1);
    expect(cache.localStats().early_refreshes).toBe(1);
  });
});

describe('XFetch: probabilistic early refresh', () => {
  it('refreshes at expiry, never early when random() is 1, early when random() is tiny', () => {
    const exp = 10_000;
    expect(shouldRefreshEarly(10_000, exp, 100, 1, () => 0.5)).toBe(true);
    expect(shouldRefreshEarly(9_999, exp, 100, 1, () => 1)).toBe(false);
    expect(shouldRefreshEarly(9_000, exp, 100, 1, () => 1e-9)).toBe(true); // 100·20.7 ≈ 2 s early
    expect(shouldRefreshEarly(5_000, exp, 100, 1, () => 1e-9)).toBe(false);
    expect(shouldRefreshEarly(9_000, exp, 0, 1, () => 1e-9)).toBe(false);
  });
});

describe('Postgres store and bulk import', () => {
  it('inserts many comments in one statement and lists them oldest first', async () => {
    const postId = newPostId();
    const rows = await store.insertMany([
      { postId, author: 'a', body: 'one' },
      { postId, author: 'b', body: 'two' },
    ]);
    expect(rows.map((r) => r.body)).toEqual(['one', 'two']);
    expect((await store.listByPost(postId)).map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });

  it('pipeline and MULTI import in far fewer round trips than one command at a time', async () => {
    const cache = makeCache(ctx, store);
    const rows = await store.insertMany(Array.from({ length: 300 }, (_, i) => ({ postId: 10_000 + (i % 3), author: 'x', body: `i${i}` })));
    const seq = await cacheComments(ctx.redis, cache.keys, rows, 'sequential');
    const pipe = await cacheComments(ctx.redis, cache.keys, rows, 'pipeline', 1_000);
    const multi = await cacheComments(ctx.redis, cache.keys, rows, 'multi');
    expect(seq).toBe(300 + 3 * 3);
    expect(pipe).toBe(ctx.redis instanceof Cluster ? 3 : 1); // a cluster pipeline stays on one node: one per post
    expect(multi).toBe(3);
    expect(await ctx.redis.exists(cache.keys.list(10_000))).toBe(0); // cold posts stay cold
  });
});

describe('when Redis is down', () => {
  it('reads come from Postgres, never an error', async () => {
    const managed = await startRedisServer();
    const redis = new Redis(managed.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 200 });
    redis.on('error', () => {});
    try {
      await new Promise((r) => redis.once('ready', r));
      const postId = newPostId();
      await seedComments(store, postId, 2);
      await managed.stop();
      const cache = new CommentCache({ redis, store, keys: ctx.keys });
      const r = await cache.read(postId);
      expect(r).toMatchObject({ source: 'db' });
      expect(r.comments).toHaveLength(2);
    } finally {
      redis.disconnect();
      await managed.dispose();
    }
  });
});
