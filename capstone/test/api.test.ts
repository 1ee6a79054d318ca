// The REST API end to end: book page, cursor pagination, accounts and sessions, writes with their
// validation and ownership rules, leaderboards, OpenAPI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCapstone, type Capstone } from './fixtures';

let c: Capstone;
beforeAll(async () => {
  c = await startCapstone({ app: { limits: false } });
});
afterAll(async () => c?.close());

describe('book page and reviews', () => {
  it('a book page is the book, its exact rating summary and its newest reviews; read-through: MISS, then a hit', async () => {
    const id = c.seed.popular[0]!;
    const first = await c.call('GET', `/books/${id}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('MISS');
    const { rows } = await c.ctx.pg.query('SELECT count(*)::int AS n, avg(rating)::float AS avg FROM reviews WHERE book_id = $1', [id]);
    expect(first.body.rating.count).toBe(rows[0].n);
    expect(first.body.rating.average).toBeCloseTo(rows[0].avg, 2);
    expect(first.body.reviews.reviews).toHaveLength(20);
    expect(first.body.book.author.name).toEqual(expect.any(String));
    expect(first.body.metadata).toEqual(expect.objectContaining({ isbn: expect.any(String) }));
    expect(first.body.degraded).toBe(false);
    const second = await c.call('GET', `/books/${id}`);
    expect(second.headers.get('x-cache')).toMatch(/^HIT/);
    expect(second.body.rating).toEqual(first.body.rating);
  });

  it('cursor pagination walks every review of a book exactly once, newest first', async () => {
    const id = c.seed.popular[1]!;
    const seen: number[] = [];
    let cursor: string | null = null;
    let previous = Number.POSITIVE_INFINITY;
    do {
      const r = await c.call('GET', `/books/${id}/reviews?limit=50${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      for (const rev of r.body.reviews) {
        expect(Date.parse(rev.createdAt)).toBeLessThanOrEqual(previous);
        previous = Date.parse(rev.createdAt);
        seen.push(rev.id);
      }
      cursor = r.body.next;
    } while (cursor);
    const { rows } = await c.ctx.pg.query('SELECT id FROM reviews WHERE book_id = $1', [id]);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(rows.map((r) => Number(r.id)).sort());
  });

  it('a user\'s reviews page through by cursor, with public fields only', async () => {
    const { rows } = await c.ctx.pg.query<{ user_id: string; n: number }>('SELECT user_id, count(*)::int AS n FROM reviews GROUP BY user_id ORDER BY n DESC LIMIT 1');
    const userId = Number(rows[0]!.user_id);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const r = await c.call('GET', `/users/${userId}/reviews?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.user).toEqual({ id: userId, displayName: expect.any(String), reviews: rows[0]!.n });
      expect(JSON.stringify(r.body)).not.toContain('@example.test');
      seen.push(...r.body.reviews.map((x: { id: number }) => x.id));
      cursor = r.body.next;
    } while (cursor);
    expect(new Set(seen).size).toBe(rows[0]!.n);
    expect((await c.call('GET', '/users/99999999/reviews')).status).toBe(404);
  });

  it('bad input is a 4xx with the shared error body, never a 500', async () => {
    expect((await c.call('GET', '/books/abc')).status).toBe(400);
    expect((await c.call('GET', '/books/999999')).status).toBe(404);
    expect((await c.call('GET', `/books/1/reviews?limit=7`)).status).toBe(400);
    const bad = await c.call('GET', `/books/1/reviews?cursor=not-a-cursor`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});

describe('accounts, sessions and writes', () => {
  it('register, log in, write, edit, vote on and delete a review; logout ends the session', async () => {
    const reg = await c.call('POST', '/auth/register', { body: { email: 'new@example.test', password: 'correct horse' } });
    expect(reg.status).toBe(201);
    expect((await c.call('POST', '/auth/register', { body: { email: 'new@example.test', password: 'correct horse' } })).status).toBe(409);
    const login = await c.call('POST', '/auth/login', { body: { email: 'new@example.test', password: 'correct horse' } });
    expect(login.status).toBe(200);
    const token = login.body.accessToken as string;
    const bookId = c.seed.popular[5]!;

    expect((await c.call('POST', `/books/${bookId}/reviews`, { body: { rating: 5, body: 'great' } })).status).toBe(401);
    expect((await c.call('POST', `/books/${bookId}/reviews`, { token, body: { rating: 9, body: 'great' } })).status).toBe(400);
    const made = await c.call('POST', `/books/${bookId}/reviews`, { token, body: { rating: 5, body: 'great' } });
    expect(made.status).toBe(201);
    expect((await c.call('POST', `/books/${bookId}/reviews`, { token, body: { rating: 4, body: 'again' } })).status).toBe(409);
    const reviewId = made.body.review.id as number;

    const other = await c.login(3);
    expect((await c.call('PATCH', `/reviews/${reviewId}`, { token: other, body: { rating: 1 } })).status).toBe(403);
    const edited = await c.call('PATCH', `/reviews/${reviewId}`, { token, body: { rating: 3 } });
    expect(edited.status).toBe(200);
    expect(edited.body.review.rating).toBe(3);

    const vote = await c.call('POST', `/reviews/${reviewId}/votes`, { token: other, body: { helpful: true } });
    expect(vote.body).toEqual({ bookId, helpful: 1 });
    // A second vote by the same user replaces the first.
    expect((await c.call('POST', `/reviews/${reviewId}/votes`, { token: other, body: { helpful: false } })).body.helpful).toBe(0);

    const me = await c.call('GET', '/me', { token });
    expect(me.body).toEqual(expect.objectContaining({ email: 'new@example.test', reviews: 1 }));
    expect(me.headers.get('cache-control')).toBe('private, no-store');
    expect(me.headers.get('x-cache')).toBeNull();

    expect((await c.call('DELETE', `/reviews/${reviewId}`, { token })).status).toBe(204);
    expect((await c.ctx.pg.query('SELECT 1 FROM reviews WHERE id = $1', [reviewId])).rowCount).toBe(0);

    expect((await c.call('POST', '/auth/logout', { token })).status).toBe(204);
    const after = await c.call('GET', '/me', { token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('session_revoked');
  });

  it('wrong passwords are refused with one code', async () => {
    const r = await c.call('POST', '/auth/login', { body: { email: 'reader1@example.test', password: 'wrong password' } });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_credentials');
  });
});

describe('leaderboards', () => {
  it('top-rated and most-reviewed-this-week match what Postgres computes', async () => {
    for (const board of ['top-rated', 'reviewed-week'] as const) {
      const r = await c.call('GET', `/leaderboards/${board}?limit=10`);
      expect(r.status).toBe(200);
      expect(r.body.source).toBe('redis');
      expect(r.body.entries.length).toBeGreaterThan(0);
      const truth = await c.service.boards.fromPostgres(c.service.db, board, 10);
      expect(r.body.entries.map((e: { score: number }) => e.score)).toEqual(truth.map((e) => e.score));
    }
  });
});

describe('documentation', () => {
  it('serves the OpenAPI document with every route', async () => {
    const r = await c.call('GET', '/openapi.json');
    expect(Object.keys(r.body.paths)).toEqual(expect.arrayContaining(['/books/{id}', '/books/{id}/reviews', '/reviews/{id}/votes', '/leaderboards/{board}', '/auth/login', '/books', '/users/{id}', '/users/{id}/reviews', '/authors/{id}']));
    // The browse filters are documented with their bounds.
    const params = r.body.paths['/books'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toEqual(expect.arrayContaining(['q', 'genre', 'yearFrom', 'yearTo', 'sort', 'limit', 'cursor']));
    const docs = await fetch(`${c.http.url}/docs/`);
    expect(docs.status).toBe(200);
  });
});
