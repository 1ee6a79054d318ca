// Many concurrent reviews and votes on one book: Postgres stays exact (row lock on the book), and the
// cache and both leaderboards end on the same numbers (invalidation after commit; version-guarded
// board writes), however the requests interleave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topRatedScore, weekOf } from '../src/ranking';
import { startCapstone, type Capstone } from './fixtures';

let c: Capstone;
beforeAll(async () => {
  c = await startCapstone({ app: { limits: false } });
});
afterAll(async () => c?.close());

const WRITERS = 30;

describe('concurrent writes on one book', () => {
  it(`${WRITERS} concurrent reviews: counts and averages exact in Postgres, the cached page and the boards`, async () => {
    const id = c.seed.popular[7]!;
    // Users who have not reviewed this book yet.
    const { rows: fresh } = await c.ctx.pg.query<{ id: string }>(
      'SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.book_id = $1 AND r.user_id = u.id) ORDER BY id LIMIT $2',
      [id, WRITERS],
    );
    const tokens = await Promise.all(fresh.map((u) => c.login(Number(u.id))));
    const before = (await c.ctx.pg.query('SELECT review_count, rating_sum FROM books WHERE id = $1', [id])).rows[0];
    await c.call('GET', `/books/${id}`); // a cached page to invalidate
    const weekKey = c.service.keys.reviewedWeek(weekOf(c.clock.now));
    const weekBefore = Number((await c.ctx.redis.zscore(weekKey, String(id))) ?? 0);

    const ratings = tokens.map((_, i) => (i % 5) + 1);
    const results = await Promise.all(tokens.map((token, i) => c.call('POST', `/books/${id}/reviews`, { token, body: { rating: ratings[i], body: `take ${i}` } })));
    expect(results.map((r) => r.status)).toEqual(tokens.map(() => 201));

    const { rows } = await c.ctx.pg.query('SELECT count(*)::int AS n, sum(rating)::int AS s FROM reviews WHERE book_id = $1', [id]);
    const book = (await c.ctx.pg.query('SELECT review_count, rating_sum FROM books WHERE id = $1', [id])).rows[0];
    expect(book.review_count).toBe(before.review_count + WRITERS);
    expect(Number(book.rating_sum)).toBe(Number(before.rating_sum) + ratings.reduce((a, b) => a + b, 0));
    expect({ n: book.review_count, s: Number(book.rating_sum) }).toEqual({ n: rows[0].n, s: rows[0].s });

    const page = await c.call('GET', `/books/${id}`);
    expect(page.body.rating.count).toBe(rows[0].n);
    expect(page.body.rating.average).toBe(Math.round((rows[0].s / rows[0].n) * 100) / 100);
    expect(Number(await c.ctx.redis.zscore(c.service.keys.topRated, String(id)))).toBe(topRatedScore(rows[0].n, rows[0].s));
    expect(Number(await c.ctx.redis.zscore(weekKey, String(id)))).toBe(weekBefore + WRITERS);
  });

  it('concurrent votes on one review: helpful_count equals the votes table', async () => {
    const { rows } = await c.ctx.pg.query<{ id: string; user_id: string }>('SELECT id, user_id FROM reviews WHERE book_id = $1 LIMIT 1', [c.seed.popular[8]]);
    const review = rows[0]!;
    const voters = Array.from({ length: 20 }, (_, i) => i + 100).filter((u) => u !== Number(review.user_id));
    const tokens = await Promise.all(voters.map((u) => c.login(u)));
    const votes = await Promise.all(tokens.map((token, i) => c.call('POST', `/reviews/${review.id}/votes`, { token, body: { helpful: i % 3 !== 0 } })));
    expect(votes.every((v) => v.status === 200)).toBe(true);
    const { rows: counted } = await c.ctx.pg.query('SELECT count(*)::int AS n FROM review_votes WHERE review_id = $1 AND helpful', [review.id]);
    const { rows: stored } = await c.ctx.pg.query('SELECT helpful_count FROM reviews WHERE id = $1', [review.id]);
    expect(stored[0].helpful_count).toBe(counted[0].n);
    expect(counted[0].n).toBe(voters.filter((_, i) => i % 3 !== 0).length);
    // The author's total on the top-reviewers board equals Postgres's.
    const { rows: total } = await c.ctx.pg.query('SELECT sum(helpful_count)::int AS n FROM reviews WHERE user_id = $1', [review.user_id]);
    expect(Number(await c.ctx.redis.zscore(c.service.keys.topReviewers, review.user_id))).toBe(total[0].n);
    // ...and so does every other reviewer's (the seed's votes are on the board too): no drift.
    expect((await c.service.boards.rebuild(c.service.db)).topReviewers).toBe(0);
  });
});
