// User and author profiles: what they show (public fields only, equal to Postgres), that they are
// cached (userProfile, userReviewPage, authorProfile), and that a write invalidates exactly the
// reviewer's and the author's entries — never an unrelated user's or author's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapstone, type Capstone } from './fixtures';

let c: Capstone;
beforeAll(async () => {
  c = await startCapstone({ app: { limits: false } });
});
afterAll(async () => c?.close());

const one = async <T>(sql: string, params: unknown[] = []) => (await c.ctx.pg.query(sql, params)).rows[0] as T;

/** A book user `userId` has not reviewed, with its author. */
async function unreviewedBook(userId: number, skip = 0): Promise<{ bookId: number; authorId: number }> {
  const r = await one<{ id: string; author_id: string }>(
    `SELECT b.id, b.author_id FROM books b WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.book_id = b.id AND r.user_id = $1) ORDER BY b.id LIMIT 1 OFFSET $2`,
    [userId, skip],
  );
  return { bookId: Number(r.id), authorId: Number(r.author_id) };
}

describe('profiles: content and caching', () => {
  it('a user profile is display name, review count, helpful total and newest reviews, equal to Postgres, never the email; MISS then HIT', async () => {
    const u = 5;
    const first = await c.call('GET', `/users/${u}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const truth = await one<{ n: number; h: number; name: string }>(
      'SELECT count(r.id)::int AS n, COALESCE(sum(r.helpful_count), 0)::int AS h, u.display_name AS name FROM users u LEFT JOIN reviews r ON r.user_id = u.id WHERE u.id = $1 GROUP BY u.id',
      [u],
    );
    expect(first.body).toEqual({ id: u, displayName: truth.name, reviews: truth.n, helpful: truth.h, recent: expect.any(Array) });
    const newest = await c.ctx.pg.query<{ id: string }>('SELECT id FROM reviews WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 5', [u]);
    expect(first.body.recent.map((r: { id: number }) => r.id)).toEqual(newest.rows.map((r) => Number(r.id)));
    expect(JSON.stringify(first.body)).not.toContain('@example.test');
    const second = await c.call('GET', `/users/${u}`);
    expect(second.headers.get('x-cache')).toMatch(/^HIT/);
    expect(second.body).toEqual(first.body);
  });

  it('an author profile lists the author\'s books with exact rating summaries; MISS then HIT', async () => {
    const a = 3;
    const first = await c.call('GET', `/authors/${a}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const { rows } = await c.ctx.pg.query<{ id: string; review_count: number; avg: number | null }>(
      'SELECT id, review_count, round(rating_sum::numeric / NULLIF(review_count, 0), 2)::float AS avg FROM books WHERE author_id = $1 ORDER BY review_count DESC, id',
      [a],
    );
    expect(first.body.bookCount).toBe(rows.length);
    expect(first.body.books.map((b: { id: number; rating: unknown }) => [b.id, b.rating])).toEqual(rows.map((r) => [Number(r.id), { count: r.review_count, average: r.avg }]));
    expect((await c.call('GET', `/authors/${a}`)).headers.get('x-cache')).toMatch(/^HIT/);
  });

  it('a user\'s review pages are cached per user and tracked in the user\'s page index', async () => {
    const u = 6;
    const p1 = await c.call('GET', `/users/${u}/reviews?limit=10`);
    expect(p1.status).toBe(200);
    expect(p1.headers.get('x-cache')).toBe('MISS');
    expect((await c.call('GET', `/users/${u}/reviews?limit=10`)).headers.get('x-cache')).toMatch(/^HIT/);
    expect(await c.ctx.redis.sismember(c.service.keys.userReviewPagesIndex(u), c.service.keys.userReviewPage(u, '', 10))).toBe(1);
  });

  it('unknown ids are 404 and nothing is cached for them (a user registered next gets a real profile); bad ids are 400', async () => {
    for (const path of ['/users/99999', '/users/99999/reviews', '/authors/99999']) {
      const r = await c.call('GET', path);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('not_found');
    }
    expect(await c.ctx.redis.exists(c.service.keys.userProfile(99999), c.service.keys.userReviewPage(99999, '', 20), c.service.keys.authorProfile(99999))).toBe(0);
    for (const path of ['/users/abc', '/users/0', '/authors/-1', '/users/1/reviews?limit=7']) expect((await c.call('GET', path)).status).toBe(400);
  });
});

describe('profiles: exact invalidation', () => {
  /** Warms every profile entry of these users and authors. */
  async function warm(users: number[], authors: number[]) {
    for (const u of users) {
      expect((await c.call('GET', `/users/${u}`)).status).toBe(200);
      expect((await c.call('GET', `/users/${u}/reviews?limit=10`)).status).toBe(200);
    }
    for (const a of authors) expect((await c.call('GET', `/authors/${a}`)).status).toBe(200);
  }
  const k = () => c.service.keys;
  const cachedUser = async (u: number) => [await c.ctx.redis.exists(k().userProfile(u)), await c.ctx.redis.scard(k().userReviewPagesIndex(u))];
  const cachedAuthor = (a: number) => c.ctx.redis.exists(k().authorProfile(a));

  it('a new review drops exactly the reviewer\'s profile and review pages and the book author\'s profile; another user and author stay cached', async () => {
    const [writer, other] = [21, 22];
    const { bookId, authorId } = await unreviewedBook(writer);
    const otherAuthor = authorId === 1 ? 2 : 1;
    await warm([writer, other], [authorId, otherAuthor]);
    expect(await cachedUser(writer)).toEqual([1, 1]);
    const before = (await c.call('GET', `/users/${writer}`)).body;
    const authorBefore = (await c.call('GET', `/authors/${authorId}`)).body;

    const token = await c.login(writer);
    const made = await c.call('POST', `/books/${bookId}/reviews`, { token, body: { rating: 5, body: 'a profile-changing review' } });
    expect(made.status).toBe(201);

    expect(await cachedUser(writer)).toEqual([0, 0]);
    expect(await cachedAuthor(authorId)).toBe(0);
    expect(await cachedUser(other)).toEqual([1, 1]);
    expect(await cachedAuthor(otherAuthor)).toBe(1);
    expect((await c.call('GET', `/users/${other}`)).headers.get('x-cache')).toMatch(/^HIT/);
    expect((await c.call('GET', `/authors/${otherAuthor}`)).headers.get('x-cache')).toMatch(/^HIT/);

    const after = await c.call('GET', `/users/${writer}`);
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(after.body.reviews).toBe(before.reviews + 1);
    expect(after.body.recent[0].id).toBe(made.body.review.id);
    const pages = await c.call('GET', `/users/${writer}/reviews?limit=10`);
    expect(pages.headers.get('x-cache')).toBe('MISS');
    expect(pages.body.reviews[0].id).toBe(made.body.review.id);
    const author = await c.call('GET', `/authors/${authorId}`);
    expect(author.headers.get('x-cache')).toBe('MISS');
    const book = (b: { books: Array<{ id: number; rating: { count: number } }> }) => b.books.find((x) => x.id === bookId)!;
    expect(book(author.body).rating.count).toBe(book(authorBefore).rating.count + 1);
  });

  it('an edit and a delete drop the same entries, and the profile follows Postgres', async () => {
    const writer = 23;
    const { bookId, authorId } = await unreviewedBook(writer);
    const token = await c.login(writer);
    const made = await c.call('POST', `/books/${bookId}/reviews`, { token, body: { rating: 2, body: 'first take' } });
    expect(made.status).toBe(201);
    await warm([writer], [authorId]);
    expect((await c.call('PATCH', `/reviews/${made.body.review.id}`, { token, body: { body: 'second take' } })).status).toBe(200);
    expect(await cachedUser(writer)).toEqual([0, 0]);
    expect(await cachedAuthor(authorId)).toBe(0);
    expect((await c.call('GET', `/users/${writer}`)).body.recent[0].body).toBe('second take');
    await warm([writer], [authorId]);
    const count = (await c.call('GET', `/users/${writer}`)).body.reviews;
    expect((await c.call('DELETE', `/reviews/${made.body.review.id}`, { token })).status).toBe(204);
    expect(await cachedUser(writer)).toEqual([0, 0]);
    expect(await cachedAuthor(authorId)).toBe(0);
    expect((await c.call('GET', `/users/${writer}`)).body.reviews).toBe(count - 1);
  });

  it('a vote drops the review writer\'s profile (helpful total) and review pages, not the book author\'s profile nor the voter\'s', async () => {
    const voter = 31;
    const bystander = 32;
    // A review the voter has not voted on: their helpful vote moves the writer's total by one.
    const { rows } = await c.ctx.pg.query<{ id: string; user_id: string; author_id: string }>(
      `SELECT r.id, r.user_id, b.author_id FROM reviews r JOIN books b ON b.id = r.book_id
        WHERE r.user_id NOT IN ($1, $2) AND NOT EXISTS (SELECT 1 FROM review_votes v WHERE v.review_id = r.id AND v.user_id = $1) ORDER BY r.id LIMIT 1`,
      [voter, bystander],
    );
    const review = { id: Number(rows[0]!.id), writer: Number(rows[0]!.user_id), authorId: Number(rows[0]!.author_id) };
    await warm([review.writer, voter, bystander], [review.authorId]);
    const before = (await c.call('GET', `/users/${review.writer}`)).body.helpful;
    const token = await c.login(voter);
    expect((await c.call('POST', `/reviews/${review.id}/votes`, { token, body: { helpful: true } })).status).toBe(200);
    expect(await cachedUser(review.writer)).toEqual([0, 0]);
    expect(await cachedAuthor(review.authorId)).toBe(1);
    expect(await cachedUser(voter)).toEqual([1, 1]);
    expect(await cachedUser(bystander)).toEqual([1, 1]);
    const after = await c.call('GET', `/users/${review.writer}`);
    expect(after.headers.get('x-cache')).toBe('MISS');
    expect(after.body.helpful).toBe(before + 1);
  });

  it('a profile load that started before a write is not stored after it (the user\'s generation guard)', async () => {
    const writer = 24;
    const { bookId } = await unreviewedBook(writer);
    await c.ctx.redis.unlink(k().userProfile(writer));
    const token = await c.login(writer);
    const { outcome } = await c.service.cache.read('userProfile', k().userProfile(writer), async () => {
      const old = { stale: true };
      expect((await c.call('POST', `/books/${bookId}/reviews`, { token, body: { rating: 3, body: 'written mid-load' } })).status).toBe(201);
      return old;
    }, { generationKey: k().userGeneration(writer) });
    expect(outcome).toBe('MISS');
    expect(await c.ctx.redis.exists(k().userProfile(writer))).toBe(0);
    expect((await c.call('GET', `/users/${writer}`)).body.recent[0].body).toBe('written mid-load');
  });
});
