// The comment cache: one Redis list per post, filled from Postgres on a miss, appended to by
// write-through, with a TTL that follows the thread's activity and stampede protection on cold keys.
//
// Read path:
//   fresh list            → serve it (and, with XFetch, maybe refresh early in the background)
//   stale list (past exp) → serve the stale copy; ONE reader (lock) refreshes it in the background
//   no list (cold)        → in-process single-flight, then the Redis lock: the holder loads Postgres
//                           and fills; everyone else waits for the list to appear
//   Redis failing         → Postgres directly; never an error because of the cache
import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import { isAppError } from '../../../shared/errors';
import { luaCommand } from '../../../shared/lua';
import type { KeyBuilder } from '../../../shared/keys';
import { activityCap, activityMember } from './activity';
import { DEFAULT_TTL_RULE, retuneTtl, ttlFor, type TtlRule } from './dynamic-ttl';
import { parseMeta, type CacheInternals, type Counter, type Meta } from './internals';
import { commentKeys, type CommentKeys } from './keys';
import { createRedisLock, type RedisLock } from './lock';
import { SingleFlight } from './single-flight';
import type { Comment, CommentStore, NewComment } from './store';
import { writeThrough } from './write-through';
import { shouldRefreshEarly } from './xfetch';

export interface CommentCacheOptions {
  redis: RedisClient;
  store: CommentStore;
  keys: KeyBuilder;
  rule?: TtlRule;
  now?: () => number;
  /** A stale list stays in Redis this long past its logical expiry, to be served while one loader refreshes (default 60 s). */
  staleGraceMs?: number;
  /** Lock lease; a crashed loader blocks others at most this long (default 5 s). */
  lockTtlMs?: number;
  /** How often a waiting reader checks whether the loader has filled the list (default 10 ms). */
  waitPollMs?: number;
  /** false: plain cache-aside with no lock and no single-flight (the bench's "without protection"). */
  protection?: boolean;
  /** Probabilistic early refresh; beta > 1 refreshes earlier (default off). */
  xfetch?: { beta: number } | false;
  random?: () => number;
}

/** activity.lua as ioredis adds it to pipelines (luaCommand defines it on the client). */
interface ActivityCommand {
  cc_activity(key: string, now: number, member: string, windowMs: number, cap: number): ChainableCommander & ActivityCommand;
}

export type ReadSource = 'hit' | 'stale' | 'load' | 'waited' | 'db';

export interface ReadResult {
  comments: Comment[];
  source: ReadSource;
  /** The TTL tier of the list after this read (undefined when served from the database). */
  tier?: string;
}

export type CacheStats = Record<Counter, number>;

export class CommentCache {
  readonly keys: CommentKeys;
  readonly rule: TtlRule;
  private readonly redis: RedisClient;
  private readonly store: CommentStore;
  private readonly now: () => number;
  private readonly staleGraceMs: number;
  private readonly lockTtlMs: number;
  private readonly waitPollMs: number;
  private readonly protection: boolean;
  private readonly xfetchBeta: number;
  private readonly random: () => number;
  private readonly lock: RedisLock;
  private readonly flight = new SingleFlight<string>();
  private readonly fill: (keys: string[], args: Array<string | number>) => Promise<number>;
  private readonly activityCap: number;
  private readonly local = {} as CacheStats;
  private readonly pendingInvalidations = new Set<number>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly internals: CacheInternals;

  constructor(opts: CommentCacheOptions) {
    this.redis = opts.redis;
    this.store = opts.store;
    this.keys = commentKeys(opts.keys);
    this.rule = opts.rule ?? DEFAULT_TTL_RULE;
    this.now = opts.now ?? Date.now;
    this.staleGraceMs = opts.staleGraceMs ?? 60_000;
    this.lockTtlMs = opts.lockTtlMs ?? 5_000;
    this.waitPollMs = opts.waitPollMs ?? 10;
    this.protection = opts.protection ?? true;
    this.xfetchBeta = opts.xfetch ? opts.xfetch.beta : 0;
    this.random = opts.random ?? Math.random;
    this.lock = createRedisLock(this.redis);
    this.fill = luaCommand<number>(this.redis, 'cc_fill', new URL('./fill.lua', import.meta.url), 2);
    // Defined on the client so pipelines carry it too (read() sends it beside the LRANGE).
    luaCommand<number>(this.redis, 'cc_activity', new URL('./activity.lua', import.meta.url), 1);
    this.activityCap = activityCap(this.rule);
    this.internals = {
      redis: this.redis,
      store: this.store,
      keys: this.keys,
      rule: this.rule,
      now: this.now,
      staleGraceMs: this.staleGraceMs,
      count: (c, n) => this.count(c, n),
      invalidate: (id) => this.invalidate(id),
    };
  }

  /** The comments of a post, oldest first. */
  async getComments(postId: number): Promise<Comment[]> {
    return (await this.read(postId)).comments;
  }

  /** Write-through: Postgres, then the cached list, in one call. */
  addComment(postId: number, input: NewComment): Promise<Comment> {
    return writeThrough(this.internals, postId, input);
  }

  /** Like getComments, saying where the answer came from (for the demo and tests). */
  async read(postId: number): Promise<ReadResult> {
    if (this.pendingInvalidations.size && !(await this.flushInvalidation(postId))) {
      return this.fromDb(postId);
    }
    const now = this.now();
    let activity: number;
    let items: string[];
    try {
      // One round trip: record this read in the activity window and count it (activity.lua), and
      // fetch the list with a plain LRANGE beside it, so the comments never pass through Lua.
      const pipe = this.redis.pipeline() as ChainableCommander & ActivityCommand;
      const replies = await pipe.cc_activity(this.keys.activity(postId), now, activityMember(now), this.rule.windowMs, this.activityCap).lrange(this.keys.list(postId), 0, -1).exec();
      const failed = replies?.find(([err]) => err);
      if (!replies || failed) throw failed?.[0] ?? new Error('pipeline discarded');
      activity = replies[0]![1] as number;
      items = replies[1]![1] as string[];
    } catch {
      return this.fromDb(postId);
    }

    const meta = parseMeta(items[0]);
    if (meta) {
      const comments = parseComments(items);
      if (now < meta.exp) {
        this.count('hits');
        if (this.xfetchBeta && shouldRefreshEarly(now, meta.exp, meta.delta, this.xfetchBeta, this.random)) {
          this.count('early_refreshes');
          this.refreshInBackground(postId, activity);
        } else {
          await retuneTtl(this.internals, postId, meta, activity);
        }
        return { comments, source: 'hit', tier: ttlFor(activity, this.rule).name };
      }
      // Logically expired but still in Redis: everyone gets the stale copy at once, one reader reloads.
      this.count('stale_served');
      this.refreshInBackground(postId, activity);
      return { comments, source: 'stale', tier: meta.tier };
    }

    this.count('misses');
    if (!this.protection) {
      const comments = await this.loadAndFill(postId, activity);
      return { comments, source: 'load', tier: ttlFor(activity, this.rule).name };
    }
    return this.flight.run(`cold:${postId}`, () => this.loadCold(postId, activity));
  }

  /** Cold key: the Redis lock decides which process loads; the others wait for the list to appear. */
  private async loadCold(postId: number, activity: number): Promise<ReadResult> {
    const lockKey = this.keys.lock(postId);
    const deadline = Date.now() + this.lockTtlMs * 2;
    let waited = false;
    try {
      while (Date.now() < deadline) {
        const token = await this.lock.tryAcquire(lockKey, this.lockTtlMs);
        if (token) {
          try {
            // Double check: another process may have filled the list between our miss and our lock.
            const filled = await this.cachedList(postId);
            if (filled) return { comments: filled, source: waited ? 'waited' : 'hit', tier: ttlFor(activity, this.rule).name };
            const comments = await this.loadAndFill(postId, activity);
            return { comments, source: 'load', tier: ttlFor(activity, this.rule).name };
          } finally {
            await this.lock.release(lockKey, token).catch(() => false);
          }
        }
        if (!waited) {
          waited = true;
          this.count('stampede_waits');
        }
        // Someone else is loading: poll until the list appears, or the lock goes (then try to take it).
        for (;;) {
          await new Promise((r) => setTimeout(r, this.waitPollMs));
          const [[, listThere], [, lockThere]] = (await this.redis.multi().exists(this.keys.list(postId)).exists(lockKey).exec()) as Array<[Error | null, number]>;
          if (listThere) {
            const comments = await this.cachedList(postId);
            if (comments) return { comments, source: 'waited', tier: ttlFor(activity, this.rule).name };
          }
          if (!lockThere || Date.now() >= deadline) break;
        }
      }
    } catch (err) {
      // Redis failed mid-way: the database still answers. (Our own errors, e.g. an unfinished exercise, surface.)
      if (isAppError(err)) throw err;
    }
    return this.fromDb(postId);
  }

  /** Reads Postgres and fills the list (unless a write happened meanwhile). Counts one load. */
  private async loadAndFill(postId: number, activity: number): Promise<Comment[]> {
    const versionKey = this.keys.version(postId);
    // The shared stats hash is in another slot than the post's keys (one MULTI could not hold both on a cluster).
    const version = await this.redis.get(versionKey);
    this.count('loads');
    // delta is a real duration (how long a reload takes), so it is timed on the real clock.
    const t0 = performance.now();
    const comments = await this.store.listByPost(postId);
    const delta = Math.max(1, Math.round(performance.now() - t0));
    const tier = ttlFor(activity, this.rule);
    const meta: Meta = { meta: 1, exp: this.now() + tier.ttlMs, tier: tier.name, ttl: tier.ttlMs, delta };
    try {
      const filled = await this.fill([this.keys.list(postId), versionKey], [version ?? '', tier.ttlMs + this.staleGraceMs, JSON.stringify(meta), ...comments.map((c) => JSON.stringify(c))]);
      if (!filled) this.count('fill_skipped');
    } catch {
      // Could not cache; the reader still gets the rows.
    }
    return comments;
  }

  private refreshInBackground(postId: number, activity: number): void {
    const p = this.flight
      .run(`refresh:${postId}`, async () => {
        const token = await this.lock.tryAcquire(this.keys.lock(postId), this.lockTtlMs);
        if (!token) return; // another process is already refreshing it
        try {
          await this.loadAndFill(postId, activity);
        } finally {
          await this.lock.release(this.keys.lock(postId), token);
        }
      })
      .catch(() => {});
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  /** Resolves when background refreshes started so far are done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.background.size) await Promise.all([...this.background]);
  }

  private async cachedList(postId: number): Promise<Comment[] | undefined> {
    const items = await this.redis.lrange(this.keys.list(postId), 0, -1);
    const meta = parseMeta(items[0]);
    if (!meta || this.now() >= meta.exp) return undefined;
    return parseComments(items);
  }

  private async fromDb(postId: number): Promise<ReadResult> {
    this.count('db_fallbacks');
    return { comments: await this.store.listByPost(postId), source: 'db' };
  }

  private async invalidate(postId: number): Promise<void> {
    try {
      await this.redis.del(this.keys.list(postId));
      this.count('invalidations');
    } catch {
      // Redis is unreachable: this process serves the post from Postgres until the DEL succeeds.
      // (Other processes may serve the old list until its TTL ends: the price of a cache you cannot reach.)
      this.pendingInvalidations.add(postId);
      this.local.invalidation_failures = (this.local.invalidation_failures ?? 0) + 1;
    }
  }

  /** True when the post has no pending invalidation (any more). */
  private async flushInvalidation(postId: number): Promise<boolean> {
    if (!this.pendingInvalidations.has(postId)) return true;
    try {
      await this.redis.del(this.keys.list(postId));
      this.pendingInvalidations.delete(postId);
      this.count('invalidations');
      return true;
    } catch {
      return false;
    }
  }

  private count(counter: Counter, n = 1): void {
    this.local[counter] = (this.local[counter] ?? 0) + n;
    this.redis.hincrby(this.keys.stats, counter, n).catch(() => {});
  }

  /** This process's counters. */
  localStats(): Partial<CacheStats> {
    return { ...this.local };
  }

  /** The counters of every process (the Redis hash). */
  async stats(): Promise<Partial<CacheStats>> {
    const h = await this.redis.hgetall(this.keys.stats);
    return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Number(v)]));
  }

  /** Remaining physical TTL of a post's list in ms (-2: not cached). */
  pttl(postId: number): Promise<number> {
    return this.redis.pttl(this.keys.list(postId));
  }

  /** The meta element of a cached list. */
  async meta(postId: number): Promise<Meta | undefined> {
    return parseMeta(await this.redis.lindex(this.keys.list(postId), 0));
  }
}

/**
 * The comments of a cached list (element 0 is the meta), parsed in one JSON.parse call. Appends are
 * at-least-once: a write-through can append a comment that a concurrent load already read from
 * Postgres (insert → load → fill → RPUSHX), so a repeated id is dropped here.
 */
function parseComments(items: string[]): Comment[] {
  if (items.length < 2) return [];
  const comments = JSON.parse(`[${items.slice(1).join(',')}]`) as Comment[];
  const ids = new Set(comments.map((c) => c.id));
  if (ids.size === comments.length) return comments;
  return comments.filter((c) => ids.delete(c.id));
}
