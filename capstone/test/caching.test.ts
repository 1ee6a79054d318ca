// The caching layer: the policy table's arithmetic (exercise 1), the invalidation triggers (exercise 2),
// the leaderboard updates (exercise 3), stampede protection, and a write invalidating exactly what it
// should — one book's entries, nothing else.
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { keyBuilder } from '../../shared/keys';
import { CACHE_POLICIES, freshness, redisLifetimeMs } from '../src/cache-policy';
import { invalidationPlan } from '../src/invalidation';
import { cacheKeys } from '../src/keys';
import { topRatedScore, weekOf, weekStart } from '../src/ranking';
import { startCapstone, type Capstone } from './fixtures';

// The service starts on first use, not in beforeAll: on the starter the pure exercise tests must fail
// on their own stubs (a failed beforeAll would only skip them), and the service tests fail to start.
let c: Capstone;
let starting: Promise<Capstone> | undefined;
const started = async () => (c = await (starting ??= startCapstone({ app: { limits: false } })));
beforeEach(async (ctx) => {
  if (!PURE.has(ctx.task.name)) await started();
});
afterAll(async () => (starting ? (await starting.catch(() => undefined))?.close() : undefined));
/** Tests of the exercises' rules alone: no service, so on the starter they fail on its stubs. */
const PURE = new Set<string>();
const pure = (name: string, fn: () => void) => {
  PURE.add(name);
  it(name, fn);
};
const keys = cacheKeys(keyBuilder({ prefix: 't:pure:', lab: 'capstone' }));

describe('exercise 1: cache policy freshness', () => {
  const policy = { ttlSec: 10, graceSec: 5, l1: false as const, invalidatedBy: [] };
  pure('fresh until ttl, stale within grace, expired after', () => {
    expect(freshness(policy, 1_000, 1_000)).toBe('fresh');
    expect(freshness(policy, 1_000, 10_999)).toBe('fresh');
    expect(freshness(policy, 1_000, 11_000)).toBe('stale');
    expect(freshness(policy, 1_000, 15_999)).toBe('stale');
    expect(freshness(policy, 1_000, 16_000)).toBe('expired');
  });
  pure('Redis keeps an entry for ttl + grace', () => {
    expect(redisLifetimeMs(policy)).toBe(15_000);
    expect(redisLifetimeMs(CACHE_POLICIES.bookPage)).toBe((CACHE_POLICIES.bookPage.ttlSec + CACHE_POLICIES.bookPage.graceSec) * 1000);
  });
  it('a cached book page past its ttl is served STALE once, and the background refresh makes it fresh again', async () => {
    const id = c.seed.popular[20]!;
    expect((await c.call('GET', `/books/${id}`)).headers.get('x-cache')).toBe('MISS');
    c.service.cache.forgetLocal([c.service.keys.bookPage(id)]);
    c.clock.now += CACHE_POLICIES.bookPage.ttlSec * 1000 + 1;
    try {
      expect((await c.call('GET', `/books/${id}`)).headers.get('x-cache')).toBe('STALE');
      const raw = await c.waitForFresh(id);
      expect(raw).toBe(true);
    } finally {
      c.clock.now -= CACHE_POLICIES.bookPage.ttlSec * 1000 + 1;
    }
  });
});

describe('exercise 2: invalidation triggers', () => {
  const subjects = { bookId: 7, reviewerId: 8, authorId: 9 };
  pure('a review event drops the book\'s page and review pages, the reviewer\'s profile and review pages, the author\'s profile: one plan per owner', () => {
    const k = keys;
    expect(invalidationPlan('review.created', subjects, k)).toEqual([
      { generation: k.bookGeneration(7), keys: [k.bookPage(7)], indexSets: [k.reviewPagesIndex(7)] },
      { generation: k.userGeneration(8), keys: [k.userProfile(8)], indexSets: [k.userReviewPagesIndex(8)] },
      { generation: k.authorGeneration(9), keys: [k.authorProfile(9)], indexSets: [] },
    ]);
  });
  pure('a vote leaves the author\'s profile alone (ratings did not move): no plan for the author', () => {
    const k = keys;
    expect(invalidationPlan('vote.cast', subjects, k)).toEqual([
      { generation: k.bookGeneration(7), keys: [k.bookPage(7)], indexSets: [k.reviewPagesIndex(7)] },
      { generation: k.userGeneration(8), keys: [k.userProfile(8)], indexSets: [k.userReviewPagesIndex(8)] },
    ]);
  });
  pure('every event the table names, and only those, produce a plan; each plan stays in one owner\'s {hash tag}', () => {
    const k = keys;
    for (const event of ['review.created', 'review.edited', 'review.deleted', 'vote.cast'] as const) {
      const plans = invalidationPlan(event, { bookId: 3, reviewerId: 4, authorId: 5 }, k);
      const keys = plans.flatMap((p) => p.keys);
      const sets = plans.flatMap((p) => p.indexSets);
      const named = (r: keyof typeof CACHE_POLICIES) => CACHE_POLICIES[r].invalidatedBy.includes(event);
      expect(keys.includes(k.bookPage(3))).toBe(named('bookPage'));
      expect(sets.includes(k.reviewPagesIndex(3))).toBe(named('reviewPage'));
      expect(keys.includes(k.userProfile(4))).toBe(named('userProfile'));
      expect(sets.includes(k.userReviewPagesIndex(4))).toBe(named('userReviewPage'));
      expect(keys.includes(k.authorProfile(5))).toBe(named('authorProfile'));
      expect(JSON.stringify(plans)).not.toMatch(/list|board|metadata/);
      for (const p of plans) {
        const tags = new Set([p.generation, ...p.keys, ...p.indexSets].map((key) => key.match(/\{[^}]*\}/)?.[0]));
        expect(tags.size).toBe(1);
      }
    }
  });
  it('a new review invalidates its book page and review pages and leaves another book\'s entries alone', async () => {
    const [a, b] = [c.seed.popular[2]!, c.seed.popular[3]!];
    for (const id of [a, b]) {
      await c.call('GET', `/books/${id}`);
      const p1 = await c.call('GET', `/books/${id}/reviews?limit=10`);
      await c.call('GET', `/books/${id}/reviews?limit=10&cursor=${p1.body.next}`);
    }
    const k = c.service.keys;
    expect(await c.ctx.redis.scard(k.reviewPagesIndex(a))).toBe(2);
    const token = await c.login(11);
    const before = (await c.call('GET', `/books/${a}`)).body.rating.count;
    const made = await c.call('POST', `/books/${a}/reviews`, { token, body: { rating: 1, body: 'not for me' } });
    expect(made.status).toBe(201);
    // Book a: gone from Redis, so the next read is a MISS that shows the new review.
    expect(await c.ctx.redis.exists(k.bookPage(a), k.reviewPagesIndex(a))).toBe(0);
    const page = await c.call('GET', `/books/${a}`);
    expect(page.headers.get('x-cache')).toBe('MISS');
    expect(page.body.rating.count).toBe(before + 1);
    expect(page.body.reviews.reviews[0].id).toBe(made.body.review.id);
    // Book b: untouched.
    expect(await c.ctx.redis.exists(k.bookPage(b))).toBe(1);
    expect(await c.ctx.redis.scard(k.reviewPagesIndex(b))).toBe(2);
    expect((await c.call('GET', `/books/${b}/reviews?limit=10`)).headers.get('x-cache')).toMatch(/^HIT/);
  });
});

describe('exercise 3: leaderboard scores', () => {
  pure('the Bayesian average pulls small samples toward the prior; under the minimum a book leaves the board', () => {
    expect(topRatedScore(4, 20)).toBeNull();
    expect(topRatedScore(5, 25)).toBe(Math.round(((10 * 3.5 + 25) / 15) * 10_000) / 10_000);
    expect(topRatedScore(1000, 5000)!).toBeGreaterThan(topRatedScore(10, 50)!);
  });
  pure('weeks start on Monday, UTC', () => {
    const monday = Date.UTC(2026, 10, 30);
    expect(weekOf(monday)).toBe(weekOf(monday + 6 * 86_400_000 + 86_399_999));
    expect(weekOf(monday - 1)).toBe(weekOf(monday) - 1);
    expect(weekStart(weekOf(monday + 3 * 86_400_000))).toBe(monday);
  });
  it('a review moves its book on both boards to exactly what Postgres says', async () => {
    const id = c.seed.popular[4]!;
    const token = await c.login(12);
    const weekBefore = Number(await c.ctx.redis.zscore(c.service.keys.reviewedWeek(weekOf(c.clock.now)), String(id)) ?? 0);
    const made = await c.call('POST', `/books/${id}/reviews`, { token, body: { rating: 5, body: 'loved it' } });
    expect(made.status).toBe(201);
    const { rows } = await c.ctx.pg.query('SELECT review_count, rating_sum FROM books WHERE id = $1', [id]);
    expect(Number(await c.ctx.redis.zscore(c.service.keys.topRated, String(id)))).toBe(topRatedScore(rows[0].review_count, Number(rows[0].rating_sum)));
    expect(Number(await c.ctx.redis.zscore(c.service.keys.reviewedWeek(weekOf(c.clock.now)), String(id)))).toBe(weekBefore + 1);
    expect(await c.service.boards.rebuild(c.service.db)).toEqual({ topRated: 0, reviewedWeek: 0, topReviewers: 0 });
  });
});

describe('read/invalidate race', () => {
  it('a load that started before a write is not stored after the write invalidated its book', async () => {
    const id = c.seed.popular[35]!;
    const k = c.service.keys;
    await c.ctx.redis.unlink(k.bookPage(id));
    c.service.cache.forgetLocal([k.bookPage(id)]);
    const token = await c.login(13);
    // The load reads the old page, then a review is written and invalidates the book, then the load returns.
    const { outcome } = await c.service.cache.read('bookPage', k.bookPage(id), async () => {
      const old = { stale: true };
      const made = await c.call('POST', `/books/${id}/reviews`, { token, body: { rating: 2, body: 'written mid-load' } });
      expect(made.status).toBe(201);
      return old;
    }, { generationKey: k.bookGeneration(id) });
    expect(outcome).toBe('MISS');
    // The old page was not written back: the next read loads the new one.
    expect(await c.ctx.redis.exists(k.bookPage(id))).toBe(0);
    const page = await c.call('GET', `/books/${id}`);
    expect(page.headers.get('x-cache')).toBe('MISS');
    expect(page.body.reviews.reviews[0].body).toBe('written mid-load');
  });
});

describe('cache warming', () => {
  it('warming loads the most reviewed books\' pages, so their first request is a hit; a second warm loads nothing', async () => {
    const { rows } = await c.ctx.pg.query<{ id: string }>('SELECT id FROM books ORDER BY review_count DESC, id LIMIT 5');
    const ids = rows.map((r) => Number(r.id));
    for (const id of ids) await c.ctx.redis.unlink(c.service.keys.bookPage(id));
    c.service.cache.forgetLocal(ids.map((id) => c.service.keys.bookPage(id)));
    expect(await c.service.warm(5)).toBe(5);
    expect(await c.service.warm(5)).toBe(0);
    for (const id of ids) expect((await c.call('GET', `/books/${id}`)).headers.get('x-cache')).toMatch(/^HIT/);
  });
});

describe('stampede protection', () => {
  it('50 concurrent misses on one book page make one set of queries', async () => {
    const id = c.seed.popular[30]!;
    const before = c.service.db.queries;
    const answers = await Promise.all(Array.from({ length: 50 }, () => c.call('GET', `/books/${id}`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => a.headers.get('x-cache') === 'MISS').length).toBeGreaterThan(0);
    // One load = the book query + the first review page.
    expect(c.service.db.queries - before).toBe(2);
  });
});
