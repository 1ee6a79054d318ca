// The seed: deterministic, skewed, summaries exact, and the indexes a real service needs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../harness/context';
import { seedCatalogue } from '../src/seed';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('capstone');
});
afterAll(async () => ctx?.dispose());

const digest = async () =>
  (await ctx.pg.query<{ d: string }>(`SELECT md5(string_agg(id || ':' || book_id || ':' || user_id || ':' || rating || ':' || body || ':' || created_at || ':' || helpful_count, ',' ORDER BY id)) AS d FROM reviews`)).rows[0]!.d +
  (await ctx.pg.query<{ d: string }>(`SELECT md5(string_agg(review_id || ':' || user_id || ':' || helpful, ',' ORDER BY review_id, user_id)) AS d FROM review_votes`)).rows[0]!.d;

describe('seed', () => {
  it('is deterministic, skewed, with exact rating summaries and the expected indexes', async () => {
    const size = { books: 300, reviews: 3_000 };
    const now = Date.UTC(2026, 0, 1);
    const a = await seedCatalogue(ctx.pg, { size, now });
    const first = await digest();
    const b = await seedCatalogue(ctx.pg, { size, now });
    expect(await digest()).toBe(first);
    expect(b.popular).toEqual(a.popular);
    expect(b.votes).toBe(a.votes);
    expect(a.votes).toBeGreaterThan(0);

    const counts = await ctx.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM reviews GROUP BY book_id ORDER BY n DESC');
    expect(counts.rows.reduce((s, r) => s + r.n, 0)).toBe(3_000);
    const median = counts.rows[Math.floor(counts.rows.length / 2)]!.n;
    expect(counts.rows[0]!.n).toBeGreaterThan(10 * median);

    const drift = await ctx.pg.query(
      `SELECT b.id FROM books b LEFT JOIN (SELECT book_id, count(*)::int AS n, sum(rating)::bigint AS s FROM reviews GROUP BY book_id) r ON r.book_id = b.id
        WHERE b.review_count <> COALESCE(r.n, 0) OR b.rating_sum <> COALESCE(r.s, 0)`,
    );
    expect(drift.rowCount).toBe(0);

    const { rows } = await ctx.pg.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()`);
    expect(rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['reviews_by_book', 'reviews_by_user', 'reviews_by_time', 'books_by_author', 'reviews_one_per_user', 'books_search', 'books_by_popularity', 'books_by_score', 'books_by_title', 'books_by_year']));
    // New rows get ids after the seeded ones.
    const { rows: ins } = await ctx.pg.query<{ id: string }>(`INSERT INTO users (email, password_hash) VALUES ('late@example.test', 'x') RETURNING id`);
    expect(Number(ins[0]!.id)).toBe(a.users + 1);
  });
});
