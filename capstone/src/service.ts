// The capstone put together: Postgres (Db), the read-through cache and its policy table, the
// invalidation triggers, the leaderboards, sessions (5.3.2), rate limits (5.3.1) and the metadata
// breaker (5.3.3). `createBookService` builds it; app.ts puts HTTP in front of it.
import type { RedisClient } from '../../shared/redis-client';
import type pg from 'pg';
import type { ScryptParams } from '../../shared/password';
import type { Logger } from 'pino';
import client from 'prom-client';
import { NotFoundError } from '../../shared/errors';
import type { KeyBuilder } from '../../shared/keys';
import { createMetadataBreaker, type Breaker } from './breaker';
import { ReadThroughCache, type CacheOutcome } from './cache';
import type { Resource, WriteEvent } from './cache-policy';
import { createHash } from 'node:crypto';
import { normalizeFilter, type BookListFilter } from './browse';
import { Db, type AuthorProfile, type Book, type BookListPage, type RatingSummary, type ReviewPage, type UserProfile, type WriteResult } from './db';
import { applyInvalidation } from './apply-invalidation';
import { invalidationPlan, type WriteSubjects } from './invalidation';
import { cacheKeys, type CacheKeys } from './keys';
import { Leaderboards, type BoardEntry } from './leaderboards';
import { MetadataClient, type MetadataResult } from './metadata';
import { createSessions, type AuthService } from './sessions';

export interface BookServiceOptions {
  pool: pg.Pool;
  /** A serving client (shared/redis-client.ts): bounded commands, no offline queue. */
  redis: RedisClient;
  keys: KeyBuilder;
  log: Logger;
  /** Where the metadata service listens (configuration only). */
  metadataUrl: string;
  now?: () => number;
  /** false: the bench's no-cache mode. */
  cache?: boolean;
  /** How long a miss waits for another process's load of the same key (default cache-lock.ts LOCK_WAIT_MS). */
  lockWaitMs?: number;
  sessionSecret?: string;
  passwordParams?: ScryptParams;
  breaker?: { minVolume?: number; coolDownMs?: number; callTimeoutMs?: number };
}

export interface BookPage {
  book: Book;
  rating: RatingSummary;
  reviews: ReviewPage;
}

/** The list bound's window: per bucket, at most MAX_PAGES_PER_INDEX (cache.ts) new list entries are cached per window. */
export const LIST_WINDOW_MS = 30_000;

export class BookService {
  readonly db: Db;
  readonly cache: ReadThroughCache;
  readonly keys: CacheKeys;
  readonly boards: Leaderboards;
  readonly auth: AuthService;
  readonly metadata: MetadataClient;
  private warmer?: NodeJS.Timeout;
  private cacheOutcomes?: client.Counter<'resource' | 'outcome'>;
  /** Cache outcomes counted in-process (the bench and tests read them; /metrics has the same). */
  readonly outcomes = new Map<string, number>();

  constructor(
    readonly opts: BookServiceOptions,
    readonly breaker: Breaker,
  ) {
    const now = opts.now ?? Date.now;
    this.db = new Db(opts.pool);
    this.keys = cacheKeys(opts.keys);
    this.cache = new ReadThroughCache({
      redis: opts.redis,
      now,
      log: opts.log,
      enabled: opts.cache ?? true,
      lockWaitMs: opts.lockWaitMs,
      // Its own connection (a subscriber can run nothing else); the cache closes it.
      bus: opts.cache === false ? undefined : { subscriber: opts.redis.duplicate(), channel: opts.keys.key('cache', 'l1-invalidations') },
      onOutcome: (resource, outcome) => {
        this.cacheOutcomes?.inc({ resource, outcome });
        const k = `${resource} ${outcome}`;
        this.outcomes.set(k, (this.outcomes.get(k) ?? 0) + 1);
      },
    });
    this.boards = new Leaderboards(opts.redis, this.keys, now);
    this.auth = createSessions(opts.pool, opts.redis, opts.keys, { secret: opts.sessionSecret, now: opts.now, passwordParams: opts.passwordParams });
    this.metadata = new MetadataClient(opts.metadataUrl, breaker, this.cache, this.keys, now);
  }

  /**
   * Cache warming: reads the `count` most reviewed books' pages through the cache, so a missing entry
   * is loaded, a stale one refreshed and a fresh one left alone. Returns how many were loaded.
   */
  async warm(count: number): Promise<number> {
    if (!this.cache.enabled) return 0;
    let loaded = 0;
    for (const id of await this.db.popularBookIds(count)) {
      const { outcome } = await this.cache.read('bookPage', this.keys.bookPage(id), () => this.loadBookPage(id), { generationKey: this.keys.bookGeneration(id) });
      if (outcome === 'MISS' || outcome === 'BYPASS') loaded++;
    }
    return loaded;
  }

  /** Warms now and then every `everyMs` (the timer does not keep the process alive); close() stops it. */
  startWarming(count: number, everyMs: number): void {
    const run = () =>
      this.warm(count).then(
        (n) => this.opts.log.debug({ loaded: n }, 'cache warmed'),
        (err) => this.opts.log.warn({ err: (err as Error).message }, 'cache warming skipped'),
      );
    void run();
    this.warmer = setInterval(run, everyMs);
    this.warmer.unref();
  }

  private loadBookPage = async (id: number): Promise<BookPage | null> => {
    const book = await this.db.book(id);
    if (!book) return null;
    const { summary, ...rest } = book;
    return { book: rest, rating: summary, reviews: await this.db.reviews(id, undefined, 20) };
  };

  async bookPage(id: number): Promise<{ page: BookPage; outcome: CacheOutcome; meta: MetadataResult }> {
    const [{ value, outcome }, meta] = await Promise.all([
      this.cache.read<BookPage | null>('bookPage', this.keys.bookPage(id), () => this.loadBookPage(id), { generationKey: this.keys.bookGeneration(id) }),
      this.metadata.get(id),
    ]);
    if (!value) throw new NotFoundError(`no book ${id}`);
    return { page: value, outcome, meta };
  }

  async reviewPage(bookId: number, cursor: string | undefined, limit: number): Promise<{ page: ReviewPage; outcome: CacheOutcome }> {
    const { value, outcome } = await this.cache.read<ReviewPage>(
      'reviewPage',
      this.keys.reviewPage(bookId, cursor ?? '', limit),
      () => this.db.reviews(bookId, cursor, limit),
      { indexKey: this.keys.reviewPagesIndex(bookId), generationKey: this.keys.bookGeneration(bookId) },
    );
    return { page: value, outcome };
  }

  /** A user's public profile, cached under the user's {hash tag}; an unknown user is a 404 that is not cached (the id may be registered next). */
  async userProfile(userId: number): Promise<{ profile: UserProfile; outcome: CacheOutcome }> {
    const { value, outcome } = await this.cache.read(
      'userProfile',
      this.keys.userProfile(userId),
      async () => (await this.db.userProfile(userId)) ?? notFound(`no user ${userId}`),
      { generationKey: this.keys.userGeneration(userId) },
    );
    return { profile: value, outcome };
  }

  /** A user's reviews, newest first: cursor pages tracked in the user's page index (at most MAX_PAGES_PER_INDEX). */
  async userReviews(userId: number, cursor: string | undefined, limit: number) {
    const { value, outcome } = await this.cache.read(
      'userReviewPage',
      this.keys.userReviewPage(userId, cursor ?? '', limit),
      async () => {
        const found = await this.db.userReviews(userId, cursor, limit);
        if (!found) return notFound(`no user ${userId}`);
        // Public fields only (display name, never the email).
        return { user: found.user, ...found.page };
      },
      { indexKey: this.keys.userReviewPagesIndex(userId), generationKey: this.keys.userGeneration(userId) },
    );
    return { page: value, outcome };
  }

  /** An author with their books' rating summaries, cached under the author's {hash tag}. */
  async authorProfile(authorId: number): Promise<{ profile: AuthorProfile; outcome: CacheOutcome }> {
    const { value, outcome } = await this.cache.read(
      'authorProfile',
      this.keys.authorProfile(authorId),
      async () => (await this.db.authorProfile(authorId)) ?? notFound(`no author ${authorId}`),
      { generationKey: this.keys.authorGeneration(authorId) },
    );
    return { profile: value, outcome };
  }

  /**
   * Browse/search. Only first pages are cached (keyed by the normalized filter); later pages come from
   * Postgres (an index range scan) with X-Cache BYPASS. Distinct cached queries are bounded: a window
   * set per bucket admits at most MAX_PAGES_PER_INDEX new entries per LIST_WINDOW_MS, the rest load
   * uncached (MISS, not stored).
   */
  async browse(filter: BookListFilter, cursor: string | undefined): Promise<{ page: BookListPage; outcome: CacheOutcome }> {
    const { key, windowKey } = this.bookListKeys(filter);
    if (cursor) return { page: await this.db.browseBooks(filter, cursor), outcome: 'BYPASS' };
    const { value, outcome } = await this.cache.read('bookList', key, () => this.db.browseBooks(filter, undefined), { indexKey: windowKey });
    return { page: value, outcome };
  }

  /** The cache key of a filter's first page (by its normalized form; validates it) and the current window set of its bucket. */
  bookListKeys(filter: BookListFilter): { key: string; windowKey: string } {
    const hash = createHash('sha256').update(normalizeFilter(filter)).digest('hex').slice(0, 32);
    const window = Math.floor((this.opts.now ?? Date.now)() / LIST_WINDOW_MS);
    return { key: this.keys.bookList(hash), windowKey: this.keys.bookListWindow(hash, window) };
  }

  async leaderboard(board: 'top-rated' | 'reviewed-week', limit: number): Promise<{ entries: Array<BoardEntry & { title: string }>; outcome: CacheOutcome; source: 'redis' | 'postgres' }> {
    const { value, outcome } = await this.cache.read('leaderboard', this.keys.leaderboard(board, limit), async () => {
      let entries: BoardEntry[];
      let source: 'redis' | 'postgres' = 'redis';
      try {
        entries = board === 'top-rated' ? await this.boards.topRated(limit) : await this.boards.reviewedThisWeek(limit);
      } catch {
        // Redis down: Postgres computes the same board (slower, still correct).
        entries = await this.boards.fromPostgres(this.db, board, limit);
        source = 'postgres';
      }
      const titles = await this.db.titles(entries.map((e) => e.bookId));
      return { entries: entries.map((e) => ({ ...e, title: titles.get(e.bookId) ?? '' })), source };
    });
    return { ...value, outcome };
  }

  async createReview(bookId: number, userId: number, rating: number, body: string) {
    const w = await this.db.createReview(bookId, userId, rating, body);
    await this.afterWrite('review.created', w, 1);
    return w;
  }

  async editReview(reviewId: number, userId: number, patch: { rating?: number; body?: string }) {
    const w = await this.db.editReview(reviewId, userId, patch);
    await this.afterWrite('review.edited', w, 0);
    return w;
  }

  async deleteReview(reviewId: number, userId: number) {
    const w = await this.db.deleteReview(reviewId, userId);
    await this.afterWrite('review.deleted', w, -1);
    return w;
  }

  async vote(reviewId: number, userId: number, helpful: boolean) {
    const v = await this.db.vote(reviewId, userId, helpful);
    await this.invalidate('vote.cast', { bookId: v.bookId, reviewerId: v.authorId, authorId: v.bookAuthorId });
    try {
      await this.boards.onVote(v.authorId, v.delta);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'top-reviewers update skipped; `rebuild` repairs it');
    }
    return { bookId: v.bookId, helpful: v.helpful };
  }

  async topReviewers(limit: number) {
    const { value, outcome } = await this.cache.read('leaderboard', this.keys.leaderboard('top-reviewers', limit), async () => {
      let rows: Array<{ userId: number; helpful: number; rank: number }>;
      let source: 'redis' | 'postgres' = 'redis';
      try {
        rows = await this.boards.topReviewers(limit);
      } catch {
        rows = (await this.db.helpfulByUser(limit)).map((r, i) => ({ ...r, rank: i + 1 }));
        source = 'postgres';
      }
      const names = await this.db.displayNames(rows.map((r) => r.userId));
      return { entries: rows.map((r) => ({ ...r, displayName: names.get(r.userId) ?? '' })), source };
    });
    return { ...value, outcome };
  }

  /** After the commit: the invalidation triggers, then the boards. Redis failing here is logged, not thrown: the write happened. */
  private async afterWrite(event: WriteEvent, w: WriteResult, delta: 1 | 0 | -1): Promise<void> {
    await this.invalidate(event, { bookId: w.bookId, reviewerId: w.userId, authorId: w.authorId });
    try {
      await this.boards.onReviewWrite(w, delta);
      // A deleted review's votes went with it (ON DELETE CASCADE): its writer's helpful total drops.
      if (w.helpfulRemoved) await this.boards.onVote(w.userId, -w.helpfulRemoved);
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message, bookId: w.bookId }, 'leaderboard update skipped; `rebuild` repairs it');
    }
  }

  /** One plan per owner (book, reviewer, author): each is one slot and bumps that owner's generation. */
  private async invalidate(event: WriteEvent, subjects: WriteSubjects): Promise<void> {
    await Promise.all(
      invalidationPlan(event, subjects, this.keys).map((plan) =>
        applyInvalidation(this.opts.redis, this.cache, plan, plan.generation).catch((err: unknown) => {
          // Entries then expire by their TTL: the policy table's ttl is the staleness bound in an outage.
          this.opts.log.warn({ err: (err as Error).message, ...subjects, event, generation: plan.generation }, 'cache invalidation skipped');
        }),
      ),
    );
  }

  /** Adds the service's metrics to the app's /metrics: cache outcomes per resource, Postgres statements, breaker state. */
  registerMetrics(registry: client.Registry): void {
    this.cacheOutcomes = new client.Counter({ name: 'capstone_cache_total', help: 'cache outcomes by resource (hit ratio = HIT + HIT-L1 over all)', labelNames: ['resource', 'outcome'], registers: [registry] });
    const db = this.db;
    const breaker = this.breaker;
    new client.Gauge({ name: 'capstone_db_queries', help: 'Postgres statements run since start', registers: [registry], collect() { this.set(db.queries); } });
    new client.Gauge({ name: 'capstone_breaker_open', help: '1 while the metadata breaker refuses calls', registers: [registry], collect() { this.set(breaker.current.state === 'open' ? 1 : 0); } });
  }

  async close(): Promise<void> {
    if (this.warmer) clearInterval(this.warmer);
    this.cache.close();
    await this.breaker.close();
  }
}

export type { Resource };

/** A loader's "not found": thrown, so the cache stores nothing for it. */
function notFound(message: string): never {
  throw new NotFoundError(message);
}

export async function createBookService(opts: BookServiceOptions): Promise<BookService> {
  const breaker = await createMetadataBreaker(opts.redis, opts.keys, { now: opts.now, log: opts.log, ...opts.breaker });
  const service = new BookService(opts, breaker);
  await service.cache.start();
  return service;
}
