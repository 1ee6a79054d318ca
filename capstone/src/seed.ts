// A deterministic catalogue with skewed popularity: review counts follow a Zipf curve over a fixed
// permutation of the books, so a few books get thousands of reviews and most get a handful (the shape
// that makes a cache pay). Same sizes + same seed = the same rows, every time. Loaded with COPY into
// bare tables; indexes and foreign keys come after, which is what keeps 500,000 reviews under 30 s.
import type pg from 'pg';
import { copyRows } from '../../harness/seed/copy';
import type { Progress } from '../../harness/progress';
import { addConstraints, createBareTables, GENRES } from './schema';
import { hashPassword, TEST_SCRYPT } from '../../shared/password';
import { seededRandom } from '../../harness/seed/zipf';

export interface SeedSize {
  books: number;
  reviews: number;
}

export const FULL_SEED: SeedSize = { books: 50_000, reviews: 500_000 };
export const SMALL_SEED: SeedSize = { books: 200, reviews: 2_000 };

/** Every seeded user's password (seed data for a local demo, never a real account). */
export const SEED_PASSWORD = 'password';
const ZIPF_S = 0.8;
/** Votes: every STAR_EVERY-th user writes reviews that draw STAR_WEIGHT times the votes, mostly helpful. */
const STAR_EVERY = 25;
const STAR_WEIGHT = 6;
const VOTES_MEAN = 0.3;
const MAX_VOTES_PER_REVIEW = 30;
const DAY_MS = 86_400_000;

export interface SeedOptions {
  size?: SeedSize;
  /** The seed's "now": review dates spread over the year before it. */
  now?: number;
  progress?: (label: string, total: number) => Progress;
  seed?: number;
}

export interface SeedResult {
  books: number;
  authors: number;
  users: number;
  reviews: number;
  /** Seeded helpful / not helpful votes. */
  votes: number;
  /** Book ids, most reviewed first. */
  popular: number[];
  ms: number;
}

/** A seeded PRNG (mulberry32, from the harness), so the data set is reproducible. */
export const prng = seededRandom;

/** Review count per book id (index 0 = book 1): Zipf over a seeded shuffle of the ids. */
export function reviewCounts(size: SeedSize, rand: () => number): { counts: Int32Array; popular: number[] } {
  const order = Array.from({ length: size.books }, (_, i) => i + 1);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const weights = order.map((_, r) => 1 / (r + 1) ** ZIPF_S);
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = new Int32Array(size.books);
  let given = 0;
  order.forEach((id, r) => {
    const c = Math.floor((size.reviews * weights[r]!) / total);
    counts[id - 1] = c;
    given += c;
  });
  // The rounding remainder goes one each to the most popular books.
  for (let r = 0; given < size.reviews; r = (r + 1) % order.length, given++) counts[order[r]! - 1]!++;
  return { counts, popular: order };
}

const WORDS = 'plot pacing prose characters ending chapter twist world dialogue voice slow gripping clever moving dull vivid thin rich dense funny dark bright honest messy quiet sharp'.split(' ');
const ADJ = 'Silent Hidden Last Golden Broken Distant Quiet Burning Winter Paper Glass Iron Secret Lost Wild'.split(' ');
const NOUN = 'River Garden Archive Harbor Kingdom Letter Orchard Machine Lantern Forest Tide Empire Mirror Road Atlas'.split(' ');
const NAMES = 'Ada Ben Cleo Dan Eva Finn Gia Hugo Iris Jon Kai Lena Milo Nia Omar Pia Rui Sara Theo Uma'.split(' ');

function words(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s;
}

/**
 * The votes on one review (appended to `out`), returning how many say helpful. Skewed twice: the count
 * is exponential (most reviews get none, a few get many), and "star" reviewers draw STAR_WEIGHT times
 * more, mostly helpful — so the top-reviewers board has a clear head. Voters are the users after the
 * reviewer, so they are distinct and never the reviewer.
 */
function seedVotes(reviewId: number, reviewer: number, users: number, rand: () => number, out: number[]): number {
  const star = reviewer % STAR_EVERY === 0;
  const n = Math.min(MAX_VOTES_PER_REVIEW, users - 1, Math.floor(-Math.log(1 - rand()) * VOTES_MEAN * (star ? STAR_WEIGHT : 1)));
  let helpful = 0;
  for (let t = 0; t < n; t++) {
    const yes = rand() < (star ? 0.85 : 0.6);
    if (yes) helpful++;
    out.push(reviewId, ((reviewer + t) % users) + 1, yes ? 1 : 0);
  }
  return helpful;
}

export async function seedCatalogue(pool: pg.Pool, opts: SeedOptions = {}): Promise<SeedResult> {
  const started = performance.now();
  const size = opts.size ?? FULL_SEED;
  const now = opts.now ?? Date.now();
  const rand = prng(opts.seed ?? 42);
  const { counts, popular } = reviewCounts(size, rand);
  const maxPerBook = counts.reduce((m, c) => Math.max(m, c), 0);
  // Enough users that one user reviews a book at most once (UNIQUE (book_id, user_id)).
  const users = Math.max(maxPerBook + 1, Math.ceil(size.reviews / 10), 10);
  const authors = Math.max(1, Math.ceil(size.books / 5));
  const bar = (label: string, total: number) => opts.progress?.(label, total);

  await createBareTables(pool);
  const authorBar = bar('authors', authors);
  await copyRows(pool, 'authors', ['id', 'name'], (function* () {
    for (let id = 1; id <= authors; id++) yield [id, `${NAMES[id % NAMES.length]} ${NOUN[(id * 7) % NOUN.length]}son ${id}`];
  })(), authorBar);
  authorBar?.stop();

  // One cheap hash for every seeded user (scrypt at the test cost), computed once: seeded accounts are
  // demo data, never real ones.
  const hash = await hashPassword(SEED_PASSWORD, TEST_SCRYPT);
  const userBar = bar('users', users);
  await copyRows(pool, 'users', ['id', 'email', 'password_hash', 'display_name'], (function* () {
    for (let id = 1; id <= users; id++) yield [id, `reader${id}@example.test`, hash, `${NAMES[id % NAMES.length]} ${id}`];
  })(), userBar);
  userBar?.stop();

  const sums = new Float64Array(size.books);
  // Votes come from their own PRNG, so adding them left every other seeded row as it was.
  const voteRand = prng((opts.seed ?? 42) + 1);
  const votes: number[] = []; // flat (review id, voter id, helpful 0/1)
  const reviewBar = bar('reviews', size.reviews);
  await copyRows(pool, 'reviews', ['id', 'book_id', 'user_id', 'rating', 'body', 'created_at', 'helpful_count'], (function* () {
    let id = 0;
    for (let b = 1; b <= size.books; b++) {
      const quality = 2.2 + rand() * 2.6;
      const firstUser = Math.floor(rand() * users);
      for (let j = 0; j < counts[b - 1]!; j++) {
        const rating = Math.min(5, Math.max(1, Math.round(quality + (rand() - 0.5) * 2.5)));
        sums[b - 1]! += rating;
        // 1 in 20 reviews lands in the last week, so "most reviewed this week" has data.
        const age = rand() < 0.05 ? rand() * 7 * DAY_MS : rand() * 365 * DAY_MS;
        const reviewer = ((firstUser + j) % users) + 1;
        yield [++id, b, reviewer, rating, words(rand, 6 + Math.floor(rand() * 10)), new Date(now - age), seedVotes(id, reviewer, users, voteRand, votes)];
      }
    }
  })(), reviewBar);
  reviewBar?.stop();

  const voteBar = bar('votes', votes.length / 3);
  await copyRows(pool, 'review_votes', ['review_id', 'user_id', 'helpful'], (function* () {
    for (let i = 0; i < votes.length; i += 3) yield [votes[i]!, votes[i + 1]!, votes[i + 2] === 1];
  })(), voteBar);
  voteBar?.stop();

  const bookBar = bar('books', size.books);
  await copyRows(pool, 'books', ['id', 'author_id', 'title', 'published_year', 'genre', 'review_count', 'rating_sum', 'summary_version'], (function* () {
    for (let b = 1; b <= size.books; b++) {
      const title = `The ${ADJ[b % ADJ.length]} ${NOUN[Math.floor(b / ADJ.length) % NOUN.length]} ${b}`;
      yield [b, ((b - 1) % authors) + 1, title, 1950 + (b % 75), GENRES[(b * 7) % GENRES.length]!, counts[b - 1]!, sums[b - 1]!, 1];
    }
  })(), bookBar);
  bookBar?.stop();

  await addConstraints(pool);
  return { books: size.books, authors, users, reviews: size.reviews, votes: votes.length / 3, popular, ms: performance.now() - started };
}
