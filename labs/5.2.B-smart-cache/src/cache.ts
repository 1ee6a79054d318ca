// SmartCache: getOrSet walks L1 (process memory) → L2 (Redis) → the loader (the database), with
// stampede protection inside the process (single-flight) and across processes (a Redis lock), grace /
// stale-while-revalidate, tags, namespaces, and a bus that keeps other instances' L1 honest.
// Rule of the house: a cache failure is never the caller's failure. Redis errors are caught, counted
// and answered from L1 or the loader; only a bad key or the caller's own loader error is thrown.
import { RedisUnavailableError, type RedisClient } from '../../../shared/redis-client';
import type client from 'prom-client';
import { Breaker } from './breaker';
import { CacheBus, type BusMessage } from './bus';
import { entryState, makeEntry, type Entry } from './entry';
import { rethrowIfUnfinished } from './errors';
import { resolveStale } from './grace';
import { checkNamespace, checkPattern, keyspace, sanitizeKey, type Keyspace } from './keys';
import { createStampedeLock, type StampedeLock } from './lock';
import { checkTagCount } from './tag-write';
import { waitForFill } from './lock-wait';
import { redact } from './redact';
import { createCacheRedis, createCacheSubscriber, whenReady, type CacheRedisOptions } from './redis-client';
import { scanKeys } from './scan';
import { superjsonSerializer, type Serializer } from './serializer';
import { CacheStats } from './stats';
import { MemoryTier, type MemoryTierOptions } from './tiers/memory';
import { RedisTier } from './tiers/redis';

export interface CacheOptions {
  /** Base of every Redis key, e.g. `ctx.keys.key('sc')`. */
  keyBase: string;
  /** Commands connection for L2, locks and bus publishes (see redis-client.ts for its options). */
  redis?: RedisClient;
  /** A dedicated connection for the bus subscription; without it other instances are not told. */
  subscriber?: RedisClient;
  /** L1 options, or false for an L2-only cache. */
  l1?: false | MemoryTierOptions;
  /** Use Redis as L2 (default true when `redis` is given; false = Redis only for the bus). */
  l2?: boolean;
  /** Defaults for every call. */
  ttl?: number;
  grace?: number;
  swr?: boolean;
  namespace?: string;
  serializer?: Serializer;
  /** Field names never cached (removed from values before they reach any tier). */
  sensitiveFields?: string[];
  /** The clock entries are dated with (tests inject one). */
  now?: () => number;
  /** How long the stampede lock lives if its holder dies (ms, default 5000). */
  lockTtlMs?: number;
  /**
   * How long a waiter waits for another process's loader before loading itself (ms, default 500, at
   * most lockTtlMs). It bounds what a lock nobody will release (a holder that died, a SET Redis ran
   * after the client gave up) costs a request; past it each process loads once (single-flight).
   */
  lockWaitMs?: number;
  /** Most live entries one tag set may hold (default 10,000); a write that would pass it is not stored in Redis. */
  maxTagMembers?: number;
  breaker?: { failureThreshold?: number; probeIntervalMs?: number };
  /** After a background refresh fails, wait this long before trying again (ms, default 1000). */
  refreshBackoffMs?: number;
  registry?: client.Registry;
  onError?: (err: unknown, op: string) => void;
  /** Connections close() disconnects (set by connectSmartCache). */
  owned?: RedisClient[];
}

export interface CallOptions {
  /** Fresh for this long (ms). */
  ttl?: number;
  /** Then servable as stale for this long (ms). */
  grace?: number;
  /** Serve stale at once and refresh in the background (default true). */
  swr?: boolean;
  tags?: string[];
  namespace?: string;
  /** More field names to keep out of the cache for this value. */
  sensitive?: string[];
}

export type Source = 'l1' | 'l2' | 'loader' | 'stale';

export interface Fetched<T> {
  value: T;
  source: Source;
}

export interface Peeked<T = unknown> {
  entry: Entry<T>;
  state: 'fresh' | 'stale';
  tier: 'l1' | 'l2';
}

export type Loader<T> = () => Promise<T> | T;

export class SmartCache {
  readonly l1?: MemoryTier;
  readonly l2?: RedisTier;
  readonly stats: CacheStats;
  readonly keys: Keyspace;
  readonly breaker: Breaker;
  readonly bus?: CacheBus;
  private readonly lock?: StampedeLock;
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly refreshing = new Set<string>();
  private readonly failedAt = new Map<string, number>();
  private readonly sensitive: Set<string>;
  private readonly serializer: Serializer;
  private readonly now: () => number;
  private readonly d: { ttl: number; grace: number; swr: boolean; namespace: string };
  private readonly knownNs = new Set<string>();

  constructor(private readonly o: CacheOptions) {
    this.now = o.now ?? Date.now;
    this.keys = keyspace(o.keyBase);
    this.serializer = o.serializer ?? superjsonSerializer;
    this.sensitive = new Set(o.sensitiveFields ?? []);
    this.d = { ttl: o.ttl ?? 60_000, grace: o.grace ?? 0, swr: o.swr ?? true, namespace: this.ns(o.namespace ?? 'default') };
    const redis = o.redis;
    this.breaker = new Breaker({ ...o.breaker, probe: () => (redis ? redis.ping() : Promise.resolve()) });
    this.stats = new CacheStats({ registry: o.registry, breakerState: () => (redis ? this.breaker.state : 'none') });
    if (o.l1 !== false) this.l1 = new MemoryTier({ ...o.l1, now: this.now });
    if (redis && o.l2 !== false) {
      this.l2 = new RedisTier({ redis, keys: this.keys, serializer: this.serializer, breaker: this.breaker, stats: this.stats, now: this.now, maxTagMembers: o.maxTagMembers });
      this.lock = createStampedeLock(redis, this.breaker, o.lockTtlMs ?? 5000);
    }
    if (redis && o.subscriber) {
      this.bus = new CacheBus(redis, o.subscriber, this.keys.channel, this.breaker, {
        onMessage: (m) => this.applyRemote(m),
        // Invalidations sent while we were cut off are lost: start L1 afresh.
        onReconnect: () => this.l1?.clear(),
      });
    }
  }

  /**
   * Waits for the Redis connection (its offline queue is off, so commands sent before it is ready would
   * fail) and subscribes to the bus, each at most `ms`: resolves even when Redis is down.
   */
  async start(ms = 2000): Promise<this> {
    const up = this.o.redis ? await whenReady(this.o.redis, ms) : false;
    await this.bus?.start(up ? ms : 0);
    return this;
  }

  // ─── reads ──────────────────────────────────────────────────────────────────────────────────────

  /** The value for `key`: from L1, L2, or `loader` (called once per key cluster-wide at a time). */
  async getOrSet<T>(key: string, loader: Loader<T>, opts?: CallOptions): Promise<T> {
    const ns = opts?.namespace === undefined ? this.d.namespace : this.ns(opts.namespace);
    const k = sanitizeKey(key);
    // Fast path: a fresh L1 hit costs a Map lookup and nothing else.
    const e = this.l1?.get(ns, k);
    if (e !== undefined && this.now() < e.freshUntil) {
      this.stats.hit('l1', ns);
      return e.value as T;
    }
    return (await this.walk(ns, k, e, loader, opts)).value;
  }

  /** Like getOrSet, and says where the value came from. */
  async fetch<T>(key: string, loader: Loader<T>, opts?: CallOptions): Promise<Fetched<T>> {
    const ns = opts?.namespace === undefined ? this.d.namespace : this.ns(opts.namespace);
    const k = sanitizeKey(key);
    const e = this.l1?.get(ns, k);
    if (e !== undefined && this.now() < e.freshUntil) {
      this.stats.hit('l1', ns);
      return { value: e.value as T, source: 'l1' };
    }
    return this.walk(ns, k, e, loader, opts);
  }

  /** The tier walk after an L1 miss (or a stale L1 entry). */
  private async walk<T>(ns: string, k: string, l1Entry: Entry | undefined, loader: Loader<T>, opts?: CallOptions): Promise<Fetched<T>> {
    if (this.l1) this.stats.miss('l1', ns);
    let stale = l1Entry;
    if (this.l2 && !this.breaker.isOpen) {
      // Inlined l2Get (one async layer less on the path an L2 hit takes).
      let e: Entry | undefined;
      try {
        e = await this.l2.get(ns, k);
      } catch (err) {
        this.fail('l2_get', err);
      }
      if (e && this.now() < e.freshUntil) {
        this.stats.hit('l2', ns);
        this.l1?.set(ns, k, e);
        return { value: e.value as T, source: 'l2' };
      }
      this.stats.miss('l2', ns);
      if (e && (!stale || e.createdAt > stale.createdAt)) stale = e;
    }
    if (stale) {
      const staleEntry = stale as Entry<T>;
      const r = await resolveStale<T>({
        entry: staleEntry,
        swr: opts?.swr ?? this.d.swr,
        refresh: () => this.loadShared(ns, k, loader, opts) as Promise<Entry<T>>,
        refreshInBackground: () => this.refreshInBackground(ns, k, loader, opts),
      });
      if (r.state === 'stale') {
        this.stats.stale(ns);
        return { value: r.value, source: 'stale' };
      }
      return { value: r.value, source: 'loader' };
    }
    const entry = await this.loadShared(ns, k, loader, opts);
    return { value: entry.value as T, source: 'loader' };
  }

  /**
   * The miss path of getOrSet alone, for a caller that has just looked (peek) and found nothing: no tier
   * is read first. Concurrent callers share one loader run, in this process (single-flight) and across
   * processes (the Redis lock; the others wake on the bus or poll L2). Every caller gets the entry that
   * was stored; when the loader throws, every caller sharing that run gets its error and nothing is
   * cached. Which caller's loader ran is for the caller to note (e.g. a flag its loader sets).
   */
  async fill<T>(key: string, loader: Loader<T>, opts?: CallOptions): Promise<Entry<T>> {
    const ns = opts?.namespace === undefined ? this.d.namespace : this.ns(opts.namespace);
    return (await this.loadShared(ns, sanitizeKey(key), loader, opts)) as Entry<T>;
  }

  /** A fresh value if one is cached (stale ones too with `allowStale`), else undefined. No loader. */
  async get<T>(key: string, opts?: { namespace?: string; allowStale?: boolean }): Promise<T | undefined> {
    const p = await this.peek<T>(key, opts);
    if (!p || (p.state === 'stale' && !opts?.allowStale)) return undefined;
    return p.entry.value;
  }

  /** The cached entry and its state, from the first tier that has it (an L2 hit is copied to L1). */
  async peek<T = unknown>(key: string, opts?: { namespace?: string }): Promise<Peeked<T> | undefined> {
    const ns = opts?.namespace === undefined ? this.d.namespace : this.ns(opts.namespace);
    const k = sanitizeKey(key);
    const now = this.now();
    const e1 = this.l1?.get(ns, k);
    if (e1 && now < e1.freshUntil) {
      this.stats.hit('l1', ns);
      return { entry: e1 as Entry<T>, state: 'fresh', tier: 'l1' };
    }
    if (this.l1) this.stats.miss('l1', ns);
    const e2 = this.l2 ? await this.l2Get(ns, k) : undefined;
    if (e2 && now < e2.freshUntil) {
      this.stats.hit('l2', ns);
      this.l1?.set(ns, k, e2);
      return { entry: e2 as Entry<T>, state: 'fresh', tier: 'l2' };
    }
    if (this.l2) this.stats.miss('l2', ns);
    const stale = e2 && (!e1 || e2.createdAt > e1.createdAt) ? e2 : e1;
    if (stale && entryState(stale, now) === 'stale') return { entry: stale as Entry<T>, state: 'stale', tier: stale === e1 ? 'l1' : 'l2' };
    return undefined;
  }

  // ─── writes and invalidation ────────────────────────────────────────────────────────────────────

  /** Stores `value` in every tier and tells other instances to drop their L1 copy. */
  async set<T>(key: string, value: T, opts?: CallOptions): Promise<void> {
    const ns = opts?.namespace === undefined ? this.d.namespace : this.ns(opts.namespace);
    await this.store(ns, sanitizeKey(key), value, opts);
  }

  async delete(key: string, opts?: { namespace?: string }): Promise<number> {
    return this.deleteMany([key], opts);
  }

  /** Deletes keys from every tier and every instance's L1; returns how many existed. */
  async deleteMany(keys: string[], opts?: { namespace?: string }): Promise<number> {
    const ns = opts?.namespace === undefined ? this.d.namespace : this.ns(opts.namespace);
    const ks = keys.map((k) => sanitizeKey(k));
    const local = this.l1?.delete(ns, ks) ?? 0;
    const remote = await this.l2Do('delete', (l2) => l2.delete(ns, ks), 0);
    this.bus?.publish({ t: 'del', ns, keys: ks });
    return Math.max(local, remote);
  }

  /**
   * Deletes every entry written with any of `tags`, everywhere. With `required`, a Redis failure is the
   * caller's to know (it throws RedisUnavailableError: 503 + Retry-After in a route) instead of being
   * swallowed: after a write to the source of truth, an invalidation that did not reach L2 or the bus
   * would let the old value be served until its TTL (e.g. while a cluster fails over).
   */
  async invalidateTags(tags: string[], opts?: { required?: boolean }): Promise<number> {
    const ts = tags.map((t) => sanitizeKey(t, 'tag'));
    const local = this.l1?.deleteTags(ts) ?? 0;
    if (!opts?.required) {
      const remote = await this.l2Do('invalidate_tags', (l2) => l2.deleteTags(ts), 0);
      this.bus?.publish({ t: 'tags', tags: ts });
      return Math.max(local, remote);
    }
    if (this.o.redis && this.breaker.isOpen) throw new RedisUnavailableError('saved, but the caches could not be told; repeat the request');
    try {
      const remote = this.l2 ? await this.l2.deleteTags(ts) : 0;
      await this.bus?.publishNow({ t: 'tags', tags: ts });
      return Math.max(local, remote);
    } catch (err) {
      this.fail('invalidate_tags', err);
      throw new RedisUnavailableError('saved, but the caches could not be told; repeat the request');
    }
  }

  /** Deletes the keys of a namespace matching a glob (SCAN + batched UNLINK in Redis). */
  async deletePattern(pattern: string, opts?: { namespace?: string }): Promise<number> {
    const ns = opts?.namespace === undefined ? this.d.namespace : this.ns(opts.namespace);
    checkPattern(pattern);
    const local = this.l1?.deletePattern(ns, pattern) ?? 0;
    const remote = await this.l2Do('delete_pattern', (l2) => l2.deletePattern(ns, pattern), 0);
    this.bus?.publish({ t: 'pat', ns, pattern });
    return Math.max(local, remote);
  }

  /** Drops a whole namespace. */
  async clearNamespace(namespace: string): Promise<number> {
    const ns = this.ns(namespace);
    const local = this.l1?.clearNamespace(ns) ?? 0;
    const remote = await this.l2Do('clear_namespace', (l2) => l2.clearNamespace(ns), 0);
    this.bus?.publish({ t: 'ns', ns });
    return Math.max(local, remote);
  }

  /** Keys in L2 (a namespace's, or all) matching a glob, at most `limit`. */
  async listKeys(pattern = '*', opts: { namespace?: string; limit?: number } = {}): Promise<Array<{ namespace: string; key: string }>> {
    checkPattern(pattern);
    if (!this.o.redis) return [];
    const redis = this.o.redis;
    const limit = opts.limit ?? 100;
    const match = opts.namespace === undefined ? this.keys.matchAll(pattern) : this.keys.match(this.ns(opts.namespace), pattern);
    const out: Array<{ namespace: string; key: string }> = [];
    return this.l2Do(
      'list_keys',
      async () => {
        for await (const batch of scanKeys(redis, match)) {
          for (const full of batch) {
            const parsed = this.keys.parse(full);
            if (parsed) out.push({ namespace: parsed.ns, key: parsed.key });
          }
          if (out.length >= limit) break;
        }
        return out.slice(0, limit);
      },
      out,
    );
  }

  /** Redis reachability and round trip, and the breaker's state; never the driver's error text. */
  async health(): Promise<{ status: 'up' | 'down' | 'l1-only'; latencyMs?: number; breaker: string }> {
    const redis = this.o.redis;
    if (!redis) return { status: 'l1-only', breaker: 'none' };
    const t0 = performance.now();
    try {
      await redis.ping();
      return { status: 'up', latencyMs: Math.round((performance.now() - t0) * 1000) / 1000, breaker: this.breaker.state };
    } catch {
      return { status: 'down', breaker: this.breaker.state };
    }
  }

  async close(): Promise<void> {
    this.breaker.dispose();
    await this.bus?.stop();
    for (const r of this.o.owned ?? []) r.disconnect();
  }

  // ─── loading ────────────────────────────────────────────────────────────────────────────────────

  /** Single-flight: concurrent callers in this process share one load per key. */
  private loadShared<T>(ns: string, k: string, loader: Loader<T>, opts?: CallOptions): Promise<Entry> {
    const id = `${ns}:${k}`;
    let p = this.inflight.get(id);
    if (!p) {
      p = this.loadClusterWide(ns, k, loader, opts).finally(() => this.inflight.delete(id));
      this.inflight.set(id, p);
    }
    return p;
  }

  /** Across processes: only the lock holder calls the loader; the others wait for its result. */
  private async loadClusterWide<T>(ns: string, k: string, loader: Loader<T>, opts?: CallOptions): Promise<Entry> {
    // While Redis is failing (open, or the last call failed), a lock attempt would only add a timeout
    // to this request: load without it (the single-flight in this process still holds).
    if (!this.lock || this.breaker.isOpen || this.breaker.suspect) return this.runLoader(ns, k, loader, opts);
    const lockKey = this.keys.lock(ns, k);
    let token = await this.tryLock(lockKey);
    if (token === undefined) return this.runLoader(ns, k, loader, opts); // Redis failed: just load
    if (token === null) {
      const t0 = performance.now();
      const waitMs = Math.min(this.o.lockWaitMs ?? 500, this.o.lockTtlMs ?? 5000);
      const out = await waitForFill({
        read: async () => {
          const e = await this.l2Get(ns, k);
          return e && this.now() < e.freshUntil ? e : undefined;
        },
        tryLock: async () => (await this.tryLock(lockKey)) ?? null,
        wake: (ms) => (this.bus ? this.bus.wait(ns, k, ms) : new Promise((r) => setTimeout(r, ms))),
        deadline: t0 + waitMs,
        initialDelayMs: 5,
        maxDelayMs: 100,
      });
      this.stats.observe('lock_wait', t0);
      if ('entry' in out) {
        this.l1?.set(ns, k, out.entry);
        return out.entry;
      }
      if ('timedOut' in out) return this.runLoader(ns, k, loader, opts);
      token = out.token;
    } else {
      // Someone may have filled the key between our miss and our lock.
      const e = await this.l2Get(ns, k);
      if (e && this.now() < e.freshUntil) {
        await this.unlock(lockKey, token);
        this.l1?.set(ns, k, e);
        return e;
      }
    }
    try {
      return await this.runLoader(ns, k, loader, opts);
    } finally {
      await this.unlock(lockKey, token);
    }
  }

  /** Background refresh for stale-while-revalidate: one at a time per key, none while backing off. */
  private refreshInBackground<T>(ns: string, k: string, loader: Loader<T>, opts?: CallOptions): void {
    const id = `${ns}:${k}`;
    if (this.refreshing.has(id) || this.inflight.has(id)) return;
    const failed = this.failedAt.get(id);
    if (failed !== undefined && this.now() - failed < (this.o.refreshBackoffMs ?? 1000)) return;
    this.refreshing.add(id);
    void (async () => {
      let token: string | null | undefined;
      const lockKey = this.keys.lock(ns, k);
      try {
        if (this.lock && !this.breaker.isOpen) {
          token = await this.tryLock(lockKey);
          if (token === null) return; // another process is refreshing it
        }
        await this.runLoader(ns, k, loader, opts);
        this.failedAt.delete(id);
      } catch {
        if (this.failedAt.size > 10_000) this.failedAt.clear(); // a bound, not an LRU: it only delays retries
        this.failedAt.set(id, this.now()); // the stale value keeps being served until grace ends
      } finally {
        if (token) await this.unlock(lockKey, token);
        this.refreshing.delete(id);
      }
    })();
  }

  private async runLoader<T>(ns: string, k: string, loader: Loader<T>, opts?: CallOptions): Promise<Entry> {
    this.stats.loaderCall(ns);
    const t0 = performance.now();
    let value: T;
    try {
      value = await loader();
    } catch (err) {
      this.stats.loaderError(ns);
      throw err;
    } finally {
      this.stats.observe('loader', t0);
    }
    return this.store(ns, k, value, opts);
  }

  /** Writes a value to L1 and L2 and announces it; returns the entry (what callers get). */
  private async store<T>(ns: string, k: string, value: T, opts?: CallOptions): Promise<Entry> {
    const fields = opts?.sensitive?.length ? new Set([...this.sensitive, ...opts.sensitive]) : this.sensitive;
    const tags = (opts?.tags ?? []).map((t) => sanitizeKey(t, 'tag'));
    checkTagCount(tags);
    const entry = makeEntry(redact(value, fields), opts?.ttl ?? this.d.ttl, opts?.grace ?? this.d.grace, tags, this.now());
    // undefined means "nothing there": returned, never cached.
    if (value === undefined) return entry;
    let encoded: string;
    try {
      encoded = this.serializer.encode(entry);
    } catch (err) {
      this.fail('serialize', err);
      return entry;
    }
    this.l1?.set(ns, k, entry, encoded);
    if (this.l2) {
      // true: written; false: a full tag set refused it; null: Redis failed (counted as l2_set).
      const ok = await this.l2Do<boolean | null>('l2_set', (l2) => l2.set(ns, k, entry, encoded), null);
      if (ok) this.bus?.publish({ t: 'set', ns, key: k });
      else if (ok === false) this.stats.error('tag_set_full');
    } else this.bus?.publish({ t: 'set', ns, key: k });
    return entry;
  }

  // ─── Redis, carefully ───────────────────────────────────────────────────────────────────────────

  private l2Get(ns: string, k: string): Promise<Entry | undefined> {
    return this.l2Do('l2_get', (l2) => l2.get(ns, k), undefined);
  }

  /** Runs an L2 operation; any failure is counted and turned into `fallback`. */
  private async l2Do<R>(op: string, fn: (l2: RedisTier) => Promise<R>, fallback: R): Promise<R> {
    if (!this.l2 || this.breaker.isOpen) return fallback;
    try {
      return await fn(this.l2);
    } catch (err) {
      this.fail(op, err);
      return fallback;
    }
  }

  /** A token, null when held by someone else, undefined when Redis failed. */
  private async tryLock(lockKey: string): Promise<string | null | undefined> {
    try {
      return await this.lock!.tryAcquire(lockKey);
    } catch (err) {
      this.fail('lock', err);
      return undefined;
    }
  }

  private async unlock(lockKey: string, token: string): Promise<void> {
    try {
      await this.lock!.release(lockKey, token);
    } catch (err) {
      this.fail('unlock', err); // it expires by itself
    }
  }

  private fail(op: string, err: unknown): void {
    rethrowIfUnfinished(err);
    this.stats.error(op);
    this.o.onError?.(err, op);
  }

  private ns(ns: string): string {
    if (!this.knownNs.has(ns)) {
      checkNamespace(ns);
      if (this.knownNs.size < 10_000) this.knownNs.add(ns);
    }
    return ns;
  }

  /** Another instance changed something: drop what our L1 holds of it. */
  private applyRemote(m: BusMessage): void {
    const l1 = this.l1;
    if (!l1) return;
    if (m.t === 'set') l1.delete(m.ns, [m.key]);
    else if (m.t === 'del') l1.delete(m.ns, m.keys);
    else if (m.t === 'tags') l1.deleteTags(m.tags);
    else if (m.t === 'pat') l1.deletePattern(m.ns, m.pattern);
    else if (m.t === 'ns') l1.clearNamespace(m.ns);
  }
}

export function createSmartCache(opts: CacheOptions): SmartCache {
  return new SmartCache(opts);
}

/**
 * A cache with its own connections to `url` (timeouts, no offline queue: see redis-client.ts), L1 + L2
 * and the bus, subscribed and ready. close() disconnects them. Starts (degraded) even if Redis is down.
 */
export async function connectSmartCache(url: string, opts: Omit<CacheOptions, 'redis' | 'subscriber' | 'owned'> & { redisOptions?: CacheRedisOptions; bus?: boolean }): Promise<SmartCache> {
  const redis = createCacheRedis(url, opts.redisOptions);
  const subscriber = opts.bus === false ? undefined : createCacheSubscriber(url, opts.redisOptions);
  return new SmartCache({ ...opts, redis, subscriber, owned: subscriber ? [redis, subscriber] : [redis] }).start();
}
