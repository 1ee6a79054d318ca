// Every SQL statement the service runs, through one function that counts them: the bench reports
// Postgres queries per request from this counter (counted, not estimated).
import type pg from 'pg';
import { bookListSql, decodeBookCursor, encodeBookCursor, type BookListFilter } from './browse';
import { AppError, ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../shared/errors';

export interface Book {
  id: number;
  title: string;
  publishedYear: number;
  genre: string;
  author: { id: number; name: string };
}

/** One row of a browse/search page: the book and its rating summary. */
export interface BookListItem extends Book {
  rating: { count: number; average: number | null };
}

export interface BookListPage {
  books: BookListItem[];
  /** Opaque cursor for the next page; null at the end. */
  next: string | null;
}

export interface RatingSummary {
  count: number;
  /** Mean rating, 2 decimals (null when there are no reviews). */
  average: number | null;
  version: number;
}

export interface Review {
  id: number;
  bookId: number;
  userId: number;
  reviewer: string;
  rating: number;
  body: string;
  helpful: number;
  createdAt: string;
  updatedAt: string | null;
}

export interface ReviewPage {
  reviews: Review[];
  /** Opaque cursor for the next page; null at the end. */
  next: string | null;
}

export interface UserProfile {
  id: number;
  displayName: string;
  reviews: number;
  /** Helpful votes received over all their reviews. */
  helpful: number;
  recent: Array<{ id: number; bookId: number; title: string; rating: number; body: string; helpful: number; createdAt: string }>;
}

export interface AuthorProfile {
  author: { id: number; name: string };
  bookCount: number;
  books: Array<{ id: number; title: string; publishedYear: number; genre: string; rating: { count: number; average: number | null } }>;
}

/** What a write changed, for the invalidation triggers and the leaderboards. */
export interface WriteResult {
  bookId: number;
  /** The review's writer and the book's author: whose cached profiles the write changes. */
  userId: number;
  authorId: number;
  /** Helpful votes the review had when it was deleted (they go with it: the writer's helpful total drops). */
  helpfulRemoved?: number;
  review?: Review;
  summary: { count: number; sum: number; version: number };
  /** The review's creation time (ms): which weekly board it counts on. */
  reviewCreatedAt: number;
}

export class Db {
  /** Statements run since the process started. */
  queries = 0;
  constructor(readonly pool: pg.Pool) {}

  private async q<R extends pg.QueryResultRow>(client: pg.Pool | pg.PoolClient, sql: string, params: unknown[] = []) {
    this.queries++;
    try {
      return await client.query<R>(sql, params);
    } catch (err) {
      throw asUnavailable(err);
    }
  }

  async book(id: number): Promise<(Book & { summary: RatingSummary }) | undefined> {
    const { rows } = await this.q<BookRow>(
      this.pool,
      `SELECT b.id, b.title, b.published_year, b.genre, b.review_count, b.rating_sum, b.summary_version, a.id AS author_id, a.name AS author_name
         FROM books b JOIN authors a ON a.id = b.author_id WHERE b.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: Number(r.id),
      title: r.title,
      publishedYear: r.published_year,
      genre: r.genre,
      author: { id: Number(r.author_id), name: r.author_name },
      summary: summaryOf(r.review_count, Number(r.rating_sum), Number(r.summary_version)),
    };
  }

  /** One page of browse/search (browse.ts builds the SQL): keyset pagination on (sort key, id). */
  async browseBooks(filter: BookListFilter, cursor: string | undefined): Promise<BookListPage> {
    const after = cursor ? decodeBookCursor(cursor, filter.sort) : undefined;
    const { text, values } = bookListSql(filter, after);
    const { rows } = await this.q<BookRow & { sort_key: string }>(this.pool, text, values);
    const books = rows.slice(0, filter.limit).map((r) => ({
      id: Number(r.id),
      title: r.title,
      publishedYear: r.published_year,
      genre: r.genre,
      author: { id: Number(r.author_id), name: r.author_name },
      rating: { count: r.review_count, average: summaryOf(r.review_count, Number(r.rating_sum), 0).average },
    }));
    const last = rows[filter.limit - 1];
    return { books, next: rows.length > filter.limit && last ? encodeBookCursor({ s: filter.sort, v: last.sort_key, id: Number(last.id) }) : null };
  }

  /** Newest first, keyset pagination on (created_at, id): stable under inserts, O(limit) per page. */
  async reviews(bookId: number, cursor: string | undefined, limit: number): Promise<ReviewPage> {
    const after = cursor ? decodeCursor(cursor) : undefined;
    const { rows } = await this.q<ReviewRow>(
      this.pool,
      `SELECT r.id, r.book_id, r.user_id, u.display_name, r.rating, r.body, r.helpful_count, r.created_at, r.updated_at
         FROM reviews r JOIN users u ON u.id = r.user_id
        WHERE r.book_id = $1 AND ($2::timestamptz IS NULL OR (r.created_at, r.id) < ($2::timestamptz, $3::bigint))
        ORDER BY r.created_at DESC, r.id DESC LIMIT $4`,
      [bookId, after?.at ?? null, after?.id ?? 0, limit + 1],
    );
    const page = rows.slice(0, limit).map(reviewOf);
    const last = page.at(-1);
    return { reviews: page, next: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null };
  }

  /** A user's public profile: display name and review count, and their newest reviews (keyset pages). */
  async userReviews(userId: number, cursor: string | undefined, limit: number): Promise<{ user: { id: number; displayName: string; reviews: number }; page: ReviewPage } | undefined> {
    const { rows: users } = await this.q<{ display_name: string; n: number }>(
      this.pool,
      'SELECT u.display_name, (SELECT count(*)::int FROM reviews r WHERE r.user_id = u.id) AS n FROM users u WHERE u.id = $1',
      [userId],
    );
    if (!users[0]) return undefined;
    const after = cursor ? decodeCursor(cursor) : undefined;
    const { rows } = await this.q<ReviewRow>(
      this.pool,
      `SELECT r.id, r.book_id, r.user_id, $5::text AS display_name, r.rating, r.body, r.helpful_count, r.created_at, r.updated_at
         FROM reviews r
        WHERE r.user_id = $1 AND ($2::timestamptz IS NULL OR (r.created_at, r.id) < ($2::timestamptz, $3::bigint))
        ORDER BY r.created_at DESC, r.id DESC LIMIT $4`,
      [userId, after?.at ?? null, after?.id ?? 0, limit + 1, users[0].display_name],
    );
    const reviews = rows.slice(0, limit).map(reviewOf);
    const last = reviews.at(-1);
    return {
      user: { id: userId, displayName: users[0].display_name, reviews: users[0].n },
      page: { reviews, next: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null },
    };
  }

  /** A user's public profile: display name, review count, helpful votes received, newest reviews. Never the email. */
  async userProfile(userId: number, recent = 5): Promise<UserProfile | undefined> {
    const { rows: users } = await this.q<{ display_name: string; n: number; helpful: string }>(
      this.pool,
      `SELECT u.display_name, count(r.id)::int AS n, COALESCE(sum(r.helpful_count), 0) AS helpful
         FROM users u LEFT JOIN reviews r ON r.user_id = u.id WHERE u.id = $1 GROUP BY u.id`,
      [userId],
    );
    if (!users[0]) return undefined;
    const { rows } = await this.q<{ id: string; book_id: string; title: string; rating: number; body: string; helpful_count: number; created_at: Date }>(
      this.pool,
      `SELECT r.id, r.book_id, b.title, r.rating, r.body, r.helpful_count, r.created_at
         FROM reviews r JOIN books b ON b.id = r.book_id WHERE r.user_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      [userId, recent],
    );
    return {
      id: userId,
      displayName: users[0].display_name,
      reviews: users[0].n,
      helpful: Number(users[0].helpful),
      recent: rows.map((r) => ({ id: Number(r.id), bookId: Number(r.book_id), title: r.title, rating: r.rating, body: r.body, helpful: r.helpful_count, createdAt: r.created_at.toISOString() })),
    };
  }

  /** An author and their most reviewed books (at most `limit`) with rating summaries. */
  async authorProfile(authorId: number, limit = 100): Promise<AuthorProfile | undefined> {
    const { rows: authors } = await this.q<{ name: string; n: number }>(this.pool, 'SELECT a.name, (SELECT count(*)::int FROM books b WHERE b.author_id = a.id) AS n FROM authors a WHERE a.id = $1', [authorId]);
    if (!authors[0]) return undefined;
    const { rows } = await this.q<{ id: string; title: string; published_year: number; genre: string; review_count: number; rating_sum: string }>(
      this.pool,
      'SELECT id, title, published_year, genre, review_count, rating_sum FROM books WHERE author_id = $1 ORDER BY review_count DESC, id LIMIT $2',
      [authorId, limit],
    );
    return {
      author: { id: authorId, name: authors[0].name },
      bookCount: authors[0].n,
      books: rows.map((r) => ({ id: Number(r.id), title: r.title, publishedYear: r.published_year, genre: r.genre, rating: { count: r.review_count, average: summaryOf(r.review_count, Number(r.rating_sum), 0).average } })),
    };
  }

  async createReview(bookId: number, userId: number, rating: number, body: string): Promise<WriteResult> {
    return this.tx(async (c) => {
      let inserted;
      try {
        inserted = await this.q<ReviewRow>(c, `INSERT INTO reviews (book_id, user_id, rating, body) VALUES ($1, $2, $3, $4) RETURNING *, ''::text AS display_name`, [bookId, userId, rating, body]);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === '23505') throw new ConflictError('you have already reviewed this book; edit your review instead');
        if (code === '23503') throw new NotFoundError(`no book ${bookId}`);
        throw err;
      }
      // The row lock on the book serialises concurrent reviews of it: the summary stays exact.
      const { summary, authorId } = await this.bumpSummary(c, bookId, 1, rating);
      const review = reviewOf(inserted.rows[0]!);
      return { bookId, userId, authorId, review, summary, reviewCreatedAt: Date.parse(review.createdAt) };
    });
  }

  async editReview(reviewId: number, userId: number, patch: { rating?: number; body?: string }): Promise<WriteResult> {
    return this.tx(async (c) => {
      const old = await this.ownReview(c, reviewId, userId);
      const { rows } = await this.q<ReviewRow>(
        c,
        `UPDATE reviews SET rating = COALESCE($2, rating), body = COALESCE($3, body), updated_at = now() WHERE id = $1 RETURNING *, ''::text AS display_name`,
        [reviewId, patch.rating ?? null, patch.body ?? null],
      );
      const review = reviewOf(rows[0]!);
      const { summary, authorId } = await this.bumpSummary(c, old.bookId, 0, review.rating - old.rating);
      return { bookId: old.bookId, userId, authorId, review, summary, reviewCreatedAt: Date.parse(review.createdAt) };
    });
  }

  async deleteReview(reviewId: number, userId: number): Promise<WriteResult> {
    return this.tx(async (c) => {
      const old = await this.ownReview(c, reviewId, userId);
      await this.q(c, 'DELETE FROM reviews WHERE id = $1', [reviewId]);
      const { summary, authorId } = await this.bumpSummary(c, old.bookId, -1, -old.rating);
      return { bookId: old.bookId, userId, authorId, summary, helpfulRemoved: old.helpful, reviewCreatedAt: Date.parse(old.createdAt) };
    });
  }

  /** One vote per user per review (a second vote replaces the first); helpful_count stays exact. */
  async vote(reviewId: number, userId: number, helpful: boolean): Promise<{ bookId: number; helpful: number; authorId: number; bookAuthorId: number; delta: number }> {
    return this.tx(async (c) => {
      const { rows: found } = await this.q<{ book_id: string; user_id: string; helpful_count: number; book_author_id: string }>(
        c,
        'SELECT r.book_id, r.user_id, r.helpful_count, b.author_id AS book_author_id FROM reviews r JOIN books b ON b.id = r.book_id WHERE r.id = $1 FOR UPDATE OF r',
        [reviewId],
      );
      if (!found[0]) throw new NotFoundError(`no review ${reviewId}`);
      await this.q(c, `INSERT INTO review_votes (review_id, user_id, helpful) VALUES ($1, $2, $3) ON CONFLICT (review_id, user_id) DO UPDATE SET helpful = EXCLUDED.helpful`, [reviewId, userId, helpful]);
      const { rows } = await this.q<{ helpful_count: number }>(
        c,
        `UPDATE reviews SET helpful_count = (SELECT count(*) FROM review_votes WHERE review_id = $1 AND helpful) WHERE id = $1 RETURNING helpful_count`,
        [reviewId],
      );
      const now = rows[0]!.helpful_count;
      return { bookId: Number(found[0].book_id), helpful: now, authorId: Number(found[0].user_id), bookAuthorId: Number(found[0].book_author_id), delta: now - found[0].helpful_count };
    });
  }

  async user(id: number): Promise<{ id: number; email: string; displayName: string; reviews: number } | undefined> {
    const { rows } = await this.q<{ id: string; email: string; display_name: string; reviews: string }>(
      this.pool,
      `SELECT u.id, u.email, u.display_name, (SELECT count(*) FROM reviews r WHERE r.user_id = u.id) AS reviews FROM users u WHERE u.id = $1`,
      [id],
    );
    const r = rows[0];
    return r ? { id: Number(r.id), email: r.email, displayName: r.display_name, reviews: Number(r.reviews) } : undefined;
  }

  /** Every book's summary with at least `minCount` reviews (the top-rated rebuild and its fallback). */
  async summaries(minCount: number, limit?: number): Promise<Array<{ bookId: number; count: number; sum: number; version: number }>> {
    const { rows } = await this.q<{ id: string; review_count: number; rating_sum: string; summary_version: string }>(
      this.pool,
      `SELECT id, review_count, rating_sum, summary_version FROM books WHERE review_count >= $1 ${limit ? 'ORDER BY id' : ''}`,
      [minCount],
    );
    return rows.map((r) => ({ bookId: Number(r.id), count: r.review_count, sum: Number(r.rating_sum), version: Number(r.summary_version) }));
  }

  /** Reviews per book since `since` (ms): the weekly board's rebuild and its fallback. */
  async reviewedSince(since: number, limit: number): Promise<Array<{ bookId: number; count: number }>> {
    const { rows } = await this.q<{ book_id: string; n: string }>(
      this.pool,
      `SELECT book_id, count(*) AS n FROM reviews WHERE created_at >= $1 GROUP BY book_id ORDER BY n DESC, book_id LIMIT $2`,
      [new Date(since), limit],
    );
    return rows.map((r) => ({ bookId: Number(r.book_id), count: Number(r.n) }));
  }

  /** Users by helpful votes received (the top-reviewers board's truth). */
  async helpfulByUser(limit: number): Promise<Array<{ userId: number; helpful: number }>> {
    const { rows } = await this.q<{ user_id: string; n: string }>(
      this.pool,
      'SELECT user_id, sum(helpful_count) AS n FROM reviews GROUP BY user_id HAVING sum(helpful_count) > 0 ORDER BY n DESC, user_id LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ userId: Number(r.user_id), helpful: Number(r.n) }));
  }

  async displayNames(ids: number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const { rows } = await this.q<{ id: string; display_name: string }>(this.pool, 'SELECT id, display_name FROM users WHERE id = ANY($1::bigint[])', [ids]);
    return new Map(rows.map((r) => [Number(r.id), r.display_name]));
  }

  /** The most reviewed books: what cache warming loads first. */
  async popularBookIds(limit: number): Promise<number[]> {
    const { rows } = await this.q<{ id: string }>(this.pool, 'SELECT id FROM books ORDER BY review_count DESC, id LIMIT $1', [limit]);
    return rows.map((r) => Number(r.id));
  }

  async titles(ids: number[]): Promise<Map<number, string>> {
    if (!ids.length) return new Map();
    const { rows } = await this.q<{ id: string; title: string }>(this.pool, 'SELECT id, title FROM books WHERE id = ANY($1::bigint[])', [ids]);
    return new Map(rows.map((r) => [Number(r.id), r.title]));
  }

  private async ownReview(c: pg.PoolClient, reviewId: number, userId: number) {
    const { rows } = await this.q<{ book_id: string; user_id: string; rating: number; helpful_count: number; created_at: Date }>(c, 'SELECT book_id, user_id, rating, helpful_count, created_at FROM reviews WHERE id = $1 FOR UPDATE', [reviewId]);
    const r = rows[0];
    if (!r) throw new NotFoundError(`no review ${reviewId}`);
    if (Number(r.user_id) !== userId) throw new ForbiddenError('only the author of a review can change it');
    return { bookId: Number(r.book_id), rating: r.rating, helpful: r.helpful_count, createdAt: r.created_at.toISOString() };
  }

  private async bumpSummary(c: pg.PoolClient, bookId: number, countDelta: number, sumDelta: number) {
    const { rows } = await this.q<{ review_count: number; rating_sum: string; summary_version: string; author_id: string }>(
      c,
      `UPDATE books SET review_count = review_count + $2, rating_sum = rating_sum + $3, summary_version = summary_version + 1
        WHERE id = $1 RETURNING review_count, rating_sum, summary_version, author_id`,
      [bookId, countDelta, sumDelta],
    );
    if (!rows[0]) throw new NotFoundError(`no book ${bookId}`);
    return { summary: { count: rows[0].review_count, sum: Number(rows[0].rating_sum), version: Number(rows[0].summary_version) }, authorId: Number(rows[0].author_id) };
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect().catch((err: unknown) => {
      throw asUnavailable(err);
    });
    try {
      await this.q(c, 'BEGIN');
      const out = await fn(c);
      await this.q(c, 'COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      c.release();
    }
  }
}

/** Postgres unreachable: a 503 the client may retry, not a 500. */
export class DatabaseUnavailableError extends AppError {
  constructor() {
    super(503, 'service_unavailable', 'the database is unavailable; try again shortly');
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006']);

function asUnavailable(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if (err instanceof AppError) return err;
  if ((e?.code && CONNECTION_CODES.has(e.code)) || /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e?.message ?? '')) {
    return new DatabaseUnavailableError();
  }
  return err;
}

interface BookRow {
  id: string;
  title: string;
  published_year: number;
  genre: string;
  review_count: number;
  rating_sum: string;
  summary_version: string;
  author_id: string;
  author_name: string;
}

interface ReviewRow {
  id: string;
  book_id: string;
  user_id: string;
  display_name: string;
  rating: number;
  body: string;
  helpful_count: number;
  created_at: Date;
  updated_at: Date | null;
}

export function summaryOf(count: number, sum: number, version: number): RatingSummary {
  return { count, average: count ? Math.round((sum / count) * 100) / 100 : null, version };
}

function reviewOf(r: ReviewRow): Review {
  return {
    id: Number(r.id),
    bookId: Number(r.book_id),
    userId: Number(r.user_id),
    reviewer: r.display_name,
    rating: r.rating,
    body: r.body,
    helpful: r.helpful_count,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at ? r.updated_at.toISOString() : null,
  };
}

// Cursor = the last row's (created_at, id), base64url. created_at is stored at millisecond precision
// (schema.ts), so the JS Date round trip in the cursor is exact.
function encodeCursor(createdAt: string, id: number): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { at: string; id: number } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^\d{1,18}$/.test(id)) throw new ValidationError('cursor is not one this API returned');
  return { at, id: Number(id) };
}
