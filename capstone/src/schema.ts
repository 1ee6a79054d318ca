// The book review schema. Tables are created bare so the seed can COPY into them fast; the indexes and
// foreign keys a real service needs are added after the load (`addConstraints`), or at once when empty.
import type pg from 'pg';
import type { SeedSize } from './seed';

/** The genres a book can have (the browse filter accepts exactly these). */
export const GENRES = ['fiction', 'mystery', 'fantasy', 'science-fiction', 'romance', 'history', 'biography', 'poetry'] as const;
export type Genre = (typeof GENRES)[number];

/** What the demo seeds when the schema is empty (serve and bench seed more). */
export const DEMO_SEED: SeedSize = { books: 5_000, reviews: 50_000 };

const TABLES = `
CREATE TABLE IF NOT EXISTS authors (
  id bigint PRIMARY KEY,
  name text NOT NULL
);
CREATE TABLE IF NOT EXISTS books (
  id bigint PRIMARY KEY,
  author_id bigint NOT NULL,
  title text NOT NULL,
  published_year int NOT NULL,
  genre text NOT NULL DEFAULT 'fiction',
  -- The search document: title and author name (authors are not renamed through this API), filled
  -- after the load (addConstraints) and indexed with GIN.
  search tsvector,
  -- The rating summary, kept exact by the same transaction that writes a review.
  review_count int NOT NULL DEFAULT 0,
  rating_sum bigint NOT NULL DEFAULT 0,
  -- Bumped by every summary change: the leaderboard refuses an older version (see board-set.lua).
  summary_version bigint NOT NULL DEFAULT 0
);
-- Column names match 5.3.2's users table, so its auth service works on this one.
CREATE TABLE IF NOT EXISTS users (
  id bigserial PRIMARY KEY,
  email text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  display_name text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS reviews (
  id bigserial PRIMARY KEY,
  book_id bigint NOT NULL,
  user_id bigint NOT NULL,
  rating smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  body text NOT NULL,
  helpful_count int NOT NULL DEFAULT 0,
  -- Milliseconds, like a JS Date: the page cursor carries it and must compare exactly.
  created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', clock_timestamp()),
  updated_at timestamptz
);
CREATE TABLE IF NOT EXISTS review_votes (
  review_id bigint NOT NULL,
  user_id bigint NOT NULL,
  helpful boolean NOT NULL,
  PRIMARY KEY (review_id, user_id)
);`;

const CONSTRAINTS = `
ALTER TABLE books ADD CONSTRAINT books_author_fk FOREIGN KEY (author_id) REFERENCES authors (id);
ALTER TABLE reviews ADD CONSTRAINT reviews_book_fk FOREIGN KEY (book_id) REFERENCES books (id);
ALTER TABLE reviews ADD CONSTRAINT reviews_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE reviews ADD CONSTRAINT reviews_one_per_user UNIQUE (book_id, user_id);
ALTER TABLE review_votes ADD CONSTRAINT votes_review_fk FOREIGN KEY (review_id) REFERENCES reviews (id) ON DELETE CASCADE;
ALTER TABLE review_votes ADD CONSTRAINT votes_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
-- A book's review pages: keyset pagination newest first.
CREATE INDEX reviews_by_book ON reviews (book_id, created_at DESC, id DESC);
-- A user's reviews (profile pages).
CREATE INDEX reviews_by_user ON reviews (user_id, created_at DESC, id DESC);
-- "Most reviewed this week": a range scan over recent reviews.
CREATE INDEX reviews_by_time ON reviews (created_at);
CREATE INDEX books_by_author ON books (author_id);
-- Top-rated rebuild: books with enough reviews.
CREATE INDEX books_by_review_count ON books (review_count);
-- Browse and search (GET /books): full-text search over title + author (core Postgres, no extension),
-- and one keyset index per sort order, so a page is an index range scan whatever the depth.
CREATE INDEX books_search ON books USING gin (search);
CREATE INDEX books_by_popularity ON books (review_count, id);
CREATE INDEX books_by_genre_popularity ON books (genre, review_count, id);
CREATE INDEX books_by_year ON books (published_year, id);
CREATE INDEX books_by_title ON books (title, id);
-- The same Bayesian score as ranking.ts (prior weight 10, mean 3.5), unrounded: db.ts BOOK_SCORE.
CREATE INDEX books_by_score ON books (((rating_sum + 35.0) / (review_count + 10)), id);`;

/** Drops and recreates the tables without indexes (the seed adds them after COPY). */
export async function createBareTables(pool: pg.Pool): Promise<void> {
  await pool.query('DROP TABLE IF EXISTS review_votes, reviews, users, books, authors CASCADE');
  await pool.query(TABLES);
}

export async function addConstraints(pool: pg.Pool): Promise<void> {
  await pool.query(`UPDATE books b SET search = to_tsvector('simple', b.title || ' ' || a.name) FROM authors a WHERE a.id = b.author_id`);
  await pool.query(CONSTRAINTS);
  // Sequences past the seeded ids, so new rows get fresh ones.
  await pool.query(`SELECT setval(pg_get_serial_sequence('users', 'id'), GREATEST(1, (SELECT max(id) FROM users)))`);
  await pool.query(`SELECT setval(pg_get_serial_sequence('reviews', 'id'), GREATEST(1, (SELECT max(id) FROM reviews)))`);
  await pool.query('ANALYZE');
}

/** Whether the schema is there and seeded (serve seeds only when it is not). */
export async function isSeeded(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ ok: boolean }>(
    // books_search is the newest index: a catalogue seeded before browse/search existed is seeded again.
    `SELECT count(*) = 2 AS ok FROM pg_indexes WHERE schemaname = current_schema() AND indexname IN ('reviews_by_book', 'books_search')`,
  );
  return rows[0]!.ok;
}
