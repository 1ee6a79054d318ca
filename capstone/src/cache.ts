// Read-through cache over Redis with an optional in-process L1, driven by the policy table. Stampede
// protection has two halves: in one process, concurrent misses on a key share one load (single
// flight); across processes, a short Redis lease per key lets one process load while the others wait
// for its result, for a bounded time (cache-lock.ts). A stale entry within grace is served at once
// while one background load refreshes it. Every invalidation reaches the L1 of every process over
// pub/sub (l1-bus.ts). When Redis does not answer, the read goes to Postgres (X-Cache: BYPASS) — the
// cache is an optimisation, never a dependency.
import type { RedisClient } from '../../shared/redis-client';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { luaCommand, type LuaCommand } from '../../shared/lua';
import { CACHE_POLICIES, freshness, redisLifetimeMs, type Resource } from './cache-policy';
import { LOCK_WAIT_MS, pollDelay, StampedeLock } from './cache-lock';
import { L1Bus } from './l1-bus';
import { recordTrace, type TraceSource } from './trace';

/**
 * X-Cache values. HIT-L1 / HIT: fresh from the L1 / Redis; WAIT: from Redis after waiting for another
 * process's load; STALE: within grace, refreshed in the background; MISS: loaded from Postgres;
 * BYPASS: Redis unusable (or the bench's no-cache mode), loaded from Postgres.
 */
export type CacheOutcome = 'HIT-L1' | 'HIT' | 'WAIT' | 'STALE' | 'MISS' | 'BYPASS';

/** Outcomes that did not load from Postgres for this request (the hit ratio's numerator). */
export const HIT_OUTCOMES: ReadonlySet<CacheOutcome> = new Set(['HIT-L1', 'HIT', 'WAIT', 'STALE']);

interface Envelope<T = unknown> {
  /** When the value was loaded (ms, the cache's clock). */
  at: number;
  v: T;
}

/** After a Redis error, reads skip Redis this long (ms): a stalled Redis costs one timeout, not one per call. */
export const SKIP_AFTER_ERROR_MS = 1_000;

/** A book keeps at most this many cached review pages (cursors are client input: bound what they create). */
export const MAX_PAGES_PER_INDEX = 100;

export interface CacheOptions {
  redis: RedisClient;
  now?: () => number;
  log?: Logger;
  /** false = the bench's "no cache" mode: every read loads. */
  enabled?: boolean;
  onOutcome?: (resource: Resource, outcome: CacheOutcome) => void;
  /** L1 invalidation across processes: a subscriber connection (owned by the cache from here on) and the channel. */
  bus?: { subscriber: RedisClient; channel: string };
  /** How long a miss waits for another process's load before loading itself (default LOCK_WAIT_MS). */
  lockWaitMs?: number;
}

export interface ReadOptions {
  /** A set that tracks this key, so an invalidation can find every entry of one book. */
  indexKey?: string;
  /** The owning book's generation: the entry is stored only if no invalidation bumped it during the load. */
  generationKey?: string;
}

type Loaded<T> = { value: T; from: TraceSource };

export class ReadThroughCache {
  readonly enabled: boolean;
  readonly bus?: L1Bus;
  private readonly redis: RedisClient;
  private readonly now: () => number;
  private readonly l1 = new Map<Resource, LRUCache<string, Envelope>>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly lock: StampedeLock;
  /**
   * Drop bookkeeping: a Redis reply (or a load) that was asked for before its key was dropped must not
   * put the old value into the L1 after the drop. Each drop gets a sequence number.
   */
  private dropSeq = 0;
  private allDroppedAt = 0;
  private readonly droppedAt = new LRUCache<string, number>({ max: 10_000 });
  /** Monotonic time until which Redis is skipped (not the injectable clock: this is a health back-off). */
  private skipUntil = 0;

  private readonly storeIfCurrent: LuaCommand<number>;
  private readonly storeIfCurrentIndexed: LuaCommand<number>;

  constructor(private readonly opts: CacheOptions) {
    this.redis = opts.redis;
    const script = new URL('./store-if-current.lua', import.meta.url);
    this.storeIfCurrent = luaCommand<number>(opts.redis, 'capStoreIfCurrent', script, 2);
    this.storeIfCurrentIndexed = luaCommand<number>(opts.redis, 'capStoreIfCurrentIndexed', script, 3);
    this.lock = new StampedeLock(opts.redis);
    this.now = opts.now ?? Date.now;
    this.enabled = opts.enabled ?? true;
    for (const [resource, policy] of Object.entries(CACHE_POLICIES)) {
      if (policy.l1) this.l1.set(resource as Resource, new LRUCache({ max: policy.l1.max, ttl: policy.l1.ttlMs, ttlAutopurge: false }));
    }
    if (opts.bus) this.bus = new L1Bus(opts.bus.subscriber, opts.bus.channel, { drop: (keys) => this.forgetLocal(keys), dropAll: () => this.forgetAllLocal() }, opts.log);
  }

  /** The prefix of this process's lock tokens (`<owner>:<n>`). */
  get lockOwner(): string {
    return this.lock.prefix;
  }

  /** Subscribes to the invalidation channel (bounded wait; without a bus, nothing to do). */
  async start(): Promise<void> {
    await this.bus?.start();
  }

  async read<T>(resource: Resource, key: string, load: () => Promise<T>, opts: ReadOptions = {}): Promise<{ value: T; outcome: CacheOutcome }> {
    const started = performance.now();
    const result = await this.lookup(resource, key, load, opts);
    this.opts.onOutcome?.(resource, result.outcome);
    recordTrace({ resource, key, outcome: result.outcome, from: result.from, ms: performance.now() - started });
    return { value: result.value, outcome: result.outcome };
  }

  /** Counts an outcome decided outside read() (the metadata lookup), so hit ratios cover every resource. */
  count(resource: Resource, outcome: CacheOutcome): void {
    this.opts.onOutcome?.(resource, outcome);
  }

  /** Drops keys from this process's L1 (Redis entries are deleted by the invalidation itself). */
  forgetLocal(keys: string[]): void {
    const seq = ++this.dropSeq;
    for (const k of keys) this.droppedAt.set(k, seq);
    for (const l1 of this.l1.values()) for (const k of keys) l1.delete(k);
  }

  private forgetAllLocal(): void {
    this.allDroppedAt = ++this.dropSeq;
    for (const l1 of this.l1.values()) l1.clear();
  }

  /** The L1's entry for a key, whatever its age within the L1's ttl (no Redis call). */
  peekLocal<T>(resource: Resource, key: string): { value: T; at: number } | undefined {
    const env = this.l1.get(resource)?.get(key) as Envelope<T> | undefined;
    return env && { value: env.v, at: env.at };
  }

  /** Reads an entry whatever its age (the metadata fallback wants the last known value): the L1, then Redis. */
  async peek<T>(key: string, resource?: Resource): Promise<{ value: T; at: number } | undefined> {
    const local = resource && this.peekLocal<T>(resource, key);
    if (local) return local;
    if (!this.redisUsable()) return undefined;
    const seq = this.dropSeq;
    try {
      const raw = await this.guard(this.redis.get(key));
      if (!raw) return undefined;
      const env = JSON.parse(raw) as Envelope<T>;
      if (resource) this.setLocal(resource, key, env, seq);
      return { value: env.v, at: env.at };
    } catch {
      return undefined;
    }
  }

  /** Stores a freshly loaded value (also used by callers that fetched it themselves). */
  async store(resource: Resource, key: string, value: unknown, indexKey?: string): Promise<void> {
    const policy = CACHE_POLICIES[resource];
    const env: Envelope = { at: this.now(), v: value };
    const lifetime = redisLifetimeMs(policy);
    const seq = this.dropSeq;
    if (!indexKey) this.setLocal(resource, key, env, seq); // the L1 works while Redis is away too
    if (!this.redisUsable()) return;
    if (indexKey) {
      // Bounded: a book whose index is full serves further pages uncached rather than growing it.
      if ((await this.guard(this.redis.scard(indexKey))) >= MAX_PAGES_PER_INDEX) return;
      await this.guard(this.redis.multi().set(key, JSON.stringify(env), 'PX', lifetime).sadd(indexKey, key).pexpire(indexKey, lifetime).exec());
    } else {
      await this.guard(this.redis.set(key, JSON.stringify(env), 'PX', lifetime));
      return;
    }
    this.setLocal(resource, key, env, seq);
  }

  /** Puts an entry into the L1 unless its key was dropped after `seq` (the value may predate the drop). */
  private setLocal(resource: Resource, key: string, env: Envelope, seq: number): void {
    const l1 = this.l1.get(resource);
    if (!l1 || this.allDroppedAt > seq || (this.droppedAt.get(key) ?? 0) > seq) return;
    l1.set(key, env);
  }

  private async lookup<T>(resource: Resource, key: string, load: () => Promise<T>, opts: ReadOptions): Promise<Loaded<T> & { outcome: CacheOutcome }> {
    if (!this.enabled) return { value: await load(), outcome: 'BYPASS', from: 'postgres' };
    const policy = CACHE_POLICIES[resource];
    const local = this.l1.get(resource)?.get(key);
    if (local) return { value: local.v as T, outcome: 'HIT-L1', from: 'l1' };

    const seq = this.dropSeq;
    let raw: string | null;
    try {
      if (!this.redisUsable()) throw new Error('skipping Redis after a recent error');
      raw = await this.guard(this.redis.get(key));
    } catch {
      // Redis stalled or down: straight to the source, no write-back; the L1 (short ttl, dropped by
      // this process's own invalidations) still spares Postgres the hottest pages.
      // One flight per key whichever path started it: a miss whose GET answered and one whose GET
      // timed out share a single load.
      const { value } = (await this.once(key, async (): Promise<Loaded<T>> => ({ value: await load(), from: 'postgres' }))) as Loaded<T>;
      this.setLocal(resource, key, { at: this.now(), v: value }, seq);
      return { value, outcome: 'BYPASS', from: 'postgres' };
    }
    if (raw) {
      const env = JSON.parse(raw) as Envelope<T>;
      const state = freshness(policy, env.at, this.now());
      if (state === 'fresh') {
        this.setLocal(resource, key, env, seq);
        return { value: env.v, outcome: 'HIT', from: 'redis' };
      }
      if (state === 'stale') {
        void this.once(`refresh:${key}`, () => this.loadShared(resource, key, load, opts, true)).catch((err) => this.opts.log?.debug({ err: (err as Error).message, key }, 'background refresh failed'));
        return { value: env.v, outcome: 'STALE', from: 'stale' };
      }
    }
    const got = (await this.once(key, () => this.loadShared(resource, key, load, opts, false))) as Loaded<T>;
    return { ...got, outcome: got.from === 'lock-wait' ? 'WAIT' : got.from === 'redis' ? 'HIT' : 'MISS' };
  }

  /**
   * One load for the key across processes: take the key's lease and load, or wait for the holder's
   * result (bounded by lockWaitMs, then load anyway). A background refresh does not wait: if another
   * process holds the lease, that process is already refreshing.
   */
  private async loadShared<T>(resource: Resource, key: string, load: () => Promise<T>, opts: ReadOptions, background: boolean): Promise<Loaded<T> | undefined> {
    const policy = CACHE_POLICIES[resource];
    const deadline = performance.now() + (this.opts.lockWaitMs ?? LOCK_WAIT_MS);
    for (let attempt = 0; ; attempt++) {
      const seq = this.dropSeq;
      let a;
      try {
        if (!this.redisUsable()) throw new Error('skipping Redis after a recent error');
        a = await this.guard(this.lock.attempt(key, opts.generationKey));
      } catch {
        // Redis failed mid-way: load, store nothing in Redis; the L1 keeps it (as on BYPASS).
        const value = await load();
        this.setLocal(resource, key, { at: this.now(), v: value }, seq);
        return { value, from: 'postgres' };
      }
      if (a.raw) {
        const env = JSON.parse(a.raw) as Envelope<T>;
        if (freshness(policy, env.at, this.now()) === 'fresh') {
          if (a.token) this.release(key, a.token);
          this.setLocal(resource, key, env, seq);
          return { value: env.v, from: attempt === 0 ? 'redis' : 'lock-wait' };
        }
      }
      // A leftover lock of our own (see cache-lock.ts) is not waited on.
      if (!a.token && !a.leftover) {
        if (background) return undefined;
        if (performance.now() < deadline) {
          await new Promise((r) => setTimeout(r, pollDelay(attempt, deadline)));
          continue;
        }
        // The holder is slow or gone: load without the lease (the generation check still guards the store).
      }
      try {
        const value = await load();
        await this.storeLoaded(resource, key, value, opts, a.generation);
        return { value, from: 'postgres' };
      } finally {
        if (a.token) this.release(key, a.token);
      }
    }
  }

  private async storeLoaded(resource: Resource, key: string, value: unknown, opts: ReadOptions, generation: string | null | undefined): Promise<void> {
    const skipped = (err: unknown) => this.opts.log?.debug({ err: (err as Error).message, key }, 'cache write skipped');
    if (!opts.generationKey) return this.store(resource, key, value, opts.indexKey).catch(skipped);
    return this.storeIfNotInvalidated(resource, key, value, opts.generationKey, generation ?? '0', opts.indexKey).catch(skipped);
  }

  /** Not awaited: the value is already stored (or refused), so the lease only has to end. */
  private release(key: string, token: string): void {
    this.lock.release(key, token).catch(() => {}); // the lease expires by itself anyway
  }

  private async storeIfNotInvalidated(resource: Resource, key: string, value: unknown, generationKey: string, seen: string, indexKey?: string): Promise<void> {
    if (!this.redisUsable()) return;
    const env: Envelope = { at: this.now(), v: value };
    const seq = this.dropSeq;
    const args = [JSON.stringify(env), redisLifetimeMs(CACHE_POLICIES[resource]), seen, MAX_PAGES_PER_INDEX];
    const stored = await this.guard(indexKey ? this.storeIfCurrentIndexed([key, generationKey, indexKey], args) : this.storeIfCurrent([key, generationKey], args));
    if (stored === 1) this.setLocal(resource, key, env, seq);
  }

  private redisUsable(): boolean {
    return performance.now() >= this.skipUntil;
  }

  /** Any Redis error starts the skip window. */
  private async guard<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (err) {
      this.skipUntil = performance.now() + SKIP_AFTER_ERROR_MS;
      throw err;
    }
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T>;
    const p = fn().finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  close(): void {
    this.bus?.close();
  }
}
