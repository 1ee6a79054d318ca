// Seeded votes (deterministic, skewed, consistent with helpful_count) and the top-reviewers board:
// non-empty after the seed, equal to Postgres, and the rebuild command reports its drift.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapstone, type Capstone } from './fixtures';

let c: Capstone;
beforeAll(async () => {
  c = await startCapstone({ app: { limits: false } });
});
afterAll(async () => c?.close());

const helpfulTotals = async () =>
  (await c.ctx.pg.query<{ user_id: string; n: number }>('SELECT user_id, sum(helpful_count)::int AS n FROM reviews GROUP BY user_id HAVING sum(helpful_count) > 0 ORDER BY n DESC, user_id')).rows.map((r) => ({ userId: Number(r.user_id), helpful: r.n }));

describe('seeded votes', () => {
  it('the seed votes: helpful_count equals the helpful votes of every review, nobody votes on their own review, and a few reviewers get most of the votes', async () => {
    expect(c.seed.votes).toBeGreaterThan(c.seed.reviews / 10);
    const { rows: votes } = await c.ctx.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM review_votes');
    expect(votes[0]!.n).toBe(c.seed.votes);
    const mismatch = await c.ctx.pg.query(
      `SELECT r.id FROM reviews r LEFT JOIN (SELECT review_id, count(*) FILTER (WHERE helpful)::int AS n FROM review_votes GROUP BY review_id) v ON v.review_id = r.id
        WHERE r.helpful_count <> COALESCE(v.n, 0)`,
    );
    expect(mismatch.rowCount).toBe(0);
    const own = await c.ctx.pg.query('SELECT 1 FROM review_votes v JOIN reviews r ON r.id = v.review_id WHERE v.user_id = r.user_id');
    expect(own.rowCount).toBe(0);
    // Skewed: the top 10 % of reviewers by helpful votes hold well over a third of them.
    const totals = await helpfulTotals();
    const all = totals.reduce((s, t) => s + t.helpful, 0);
    const head = totals.slice(0, Math.ceil(totals.length / 10)).reduce((s, t) => s + t.helpful, 0);
    expect(head / all).toBeGreaterThan(0.35);
  });

  it('the top-reviewers board is non-empty after the seed and equals what Postgres computes', async () => {
    const board = await c.call('GET', '/leaderboards/top-reviewers?limit=10');
    expect(board.status).toBe(200);
    expect(board.body.source).toBe('redis');
    expect(board.body.entries).toHaveLength(10);
    const truth = (await helpfulTotals()).slice(0, 10);
    expect(board.body.entries.map((e: { helpful: number }) => e.helpful)).toEqual(truth.map((t) => t.helpful));
  });
});

describe('top-reviewers drift', () => {
  it('the rebuild counts every reviewer whose total drifted (changed, missing, extra) and repairs them', async () => {
    const key = c.service.keys.topReviewers;
    expect((await c.service.boards.rebuild(c.service.db)).topReviewers).toBe(0);
    const [a, b] = await helpfulTotals();
    await c.ctx.redis.zincrby(key, 5, String(a!.userId));
    await c.ctx.redis.zrem(key, String(b!.userId));
    await c.ctx.redis.zadd(key, 3, '999999');
    const r = await fetch(`${c.http.url}/admin/rebuild-leaderboards`, { method: 'POST', headers: { 'x-admin-key': 'test-admin-key' } });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { drift: unknown }).drift).toEqual({ topRated: 0, reviewedWeek: 0, topReviewers: 3 });
    expect(Number(await c.ctx.redis.zscore(key, String(a!.userId)))).toBe(a!.helpful);
    expect(Number(await c.ctx.redis.zscore(key, String(b!.userId)))).toBe(b!.helpful);
    expect(await c.ctx.redis.zscore(key, '999999')).toBeNull();
    expect((await c.service.boards.rebuild(c.service.db)).topReviewers).toBe(0);
  });

  it('votes and deleting a review that had helpful votes keep the board equal to Postgres (no drift)', async () => {
    // A review with helpful votes, by a seeded user we can log in as.
    const { rows } = await c.ctx.pg.query<{ id: string; user_id: string; helpful_count: number }>('SELECT id, user_id, helpful_count FROM reviews WHERE helpful_count > 0 ORDER BY helpful_count DESC, id LIMIT 1');
    const review = rows[0]!;
    const other = await c.ctx.pg.query<{ id: string }>('SELECT r.id FROM reviews r WHERE r.user_id <> 40 AND NOT EXISTS (SELECT 1 FROM review_votes v WHERE v.review_id = r.id AND v.user_id = 40) ORDER BY r.id LIMIT 1');
    const voter = await c.login(40);
    expect((await c.call('POST', `/reviews/${other.rows[0]!.id}/votes`, { token: voter, body: { helpful: true } })).status).toBe(200);
    const writer = await c.login(Number(review.user_id));
    expect((await c.call('DELETE', `/reviews/${review.id}`, { token: writer })).status).toBe(204);
    expect((await c.service.boards.rebuild(c.service.db)).topReviewers).toBe(0);
  });
});
