// Read-through cache over Redis with an optional in-process L1, driven by the policy table. A miss
// loads once per key per process (single flight: a stampede of N requests makes one query); a stale
// entry within grace is served at once while one background load refreshes it. When Redis does not
// answer, the read goes to Postgres (X-Cache: BYPASS) — the cache is an optimisation, never a
// dependency.
import type { RedisClient } from '../../shared/redis-client';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import { luaCommand, type LuaCommand } from '../../shared/lua';
import { CACHE_POLICIES, freshness, redisLifetimeMs, type Resource } from './cache-policy';

export type CacheOutcome = 'HIT-L1' | 'HIT' | 'STALE' | 'MISS' | 'BYPASS';

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
}

export interface ReadOptions {
  /** A set that tracks this key, so an invalidation can find every entry of one book. */
  indexKey?: string;
  /** The owning book's generation: the entry is stored only if no invalidation bumped it during the load. */
  generationKey?: string;
}

export class ReadThroughCache {
  readonly enabled: boolean;
  private readonly redis: RedisClient;
  private readonly now: () => number;
  private readonly l1 = new Map<Resource, LRUCache<string, Envelope>>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Monotonic time until which Redis is skipped (not the injectable clock: this is a health back-off). */
  private skipUntil = 0;

  private readonly storeIfCurrent: LuaCommand<number>;
  private readonly storeIfCurrentIndexed: LuaCommand<number>;

  constructor(private readonly opts: CacheOptions) {
    this.redis = opts.redis;
    const script = new URL('./store-if-current.lua', import.meta.url);
    this.storeIfCurrent = luaCommand<number>(opts.redis, 'capStoreIfCurrent', script, 2);
    this.storeIfCurrentIndexed = luaCommand<number>(opts.redis, 'capStoreIfCurrentIndexed', script, 3);
    this.now = opts.now ?? Date.now;
    this.enabled = opts.enabled ?? true;
    for (const [resource, policy] of Object.entries(CACHE_POLICIES)) {
      if (policy.l1) this.l1.set(resource as Resource, new LRUCache({ max: policy.l1.max, ttl: policy.l1.ttlMs, ttlAutopurge: false }));
    }
  }

  async read<T>(resource: Resource, key: string, load: () => Promise<T>, opts: ReadOptions = {}): Promise<{ value: T; outcome: CacheOutcome }> {
    const result = await this.lookup(resource, key, load, opts);
    this.opts.onOutcome?.(resource, result.outcome);
    return result;
  }

  /** Drops keys from this process's L1 (Redis entries are deleted by the invalidation itself). */
  forgetLocal(keys: string[]): void {
    for (const l1 of this.l1.values()) for (const k of keys) l1.delete(k);
  }

  /** Reads an entry whatever its age (the metadata fallback wants the last known value). */
  async peek<T>(key: string): Promise<{ value: T; at: number } | undefined> {
    if (!this.redisUsable()) return undefined;
    try {
      const raw = await this.guard(this.redis.get(key));
      if (!raw) return undefined;
      const env = JSON.parse(raw) as Envelope<T>;
      return { value: env.v, at: env.at };
    } catch {
      return undefined;
    }
  }

  /** Stores a freshly loaded value (also used by callers that fetched it themselves). */
  async store(resource: Resource, key: string, value: unknown, indexKey?: string): Promise<void> {
    if (!this.redisUsable()) return;
    const policy = CACHE_POLICIES[resource];
    const env: Envelope = { at: this.now(), v: value };
    const lifetime = redisLifetimeMs(policy);
    if (indexKey) {
      // Bounded: a book whose index is full serves further pages uncached rather than growing it.
      if ((await this.guard(this.redis.scard(indexKey))) >= MAX_PAGES_PER_INDEX) return;
      await this.guard(this.redis.multi().set(key, JSON.stringify(env), 'PX', lifetime).sadd(indexKey, key).pexpire(indexKey, lifetime).exec());
    } else {
      await this.guard(this.redis.set(key, JSON.stringify(env), 'PX', lifetime));
    }
    this.l1.get(resource)?.set(key, env);
  }

  private async lookup<T>(resource: Resource, key: string, load: () => Promise<T>, opts: ReadOptions): Promise<{ value: T; outcome: CacheOutcome }> {
    if (!this.enabled) return { value: await load(), outcome: 'BYPASS' };
    const policy = CACHE_POLICIES[resource];
    const local = this.l1.get(resource)?.get(key);
    if (local) return { value: local.v as T, outcome: 'HIT-L1' };

    let raw: string | null;
    try {
      if (!this.redisUsable()) throw new Error('skipping Redis after a recent error');
      raw = await this.guard(this.redis.get(key));
    } catch {
      // Redis stalled or down: straight to the source, and do not try to write back.
      return { value: await this.once(key, load), outcome: 'BYPASS' };
    }
    if (raw) {
      const env = JSON.parse(raw) as Envelope<T>;
      const state = freshness(policy, env.at, this.now());
      if (state === 'fresh') {
        this.l1.get(resource)?.set(key, env);
        return { value: env.v, outcome: 'HIT' };
      }
      if (state === 'stale') {
        void this.refresh(resource, key, load, opts).catch((err) => this.opts.log?.debug({ err: (err as Error).message, key }, 'background refresh failed'));
        return { value: env.v, outcome: 'STALE' };
      }
    }
    return { value: await this.refresh(resource, key, load, opts), outcome: 'MISS' };
  }

  /** Load + store, once per key at a time: concurrent misses share one load (stampede protection). */
  private refresh<T>(resource: Resource, key: string, load: () => Promise<T>, opts: ReadOptions): Promise<T> {
    return this.once(key, async () => {
      const skipped = (err: unknown) => this.opts.log?.debug({ err: (err as Error).message, key }, 'cache write skipped');
      if (!opts.generationKey) {
        const value = await load();
        await this.store(resource, key, value, opts.indexKey).catch(skipped);
        return value;
      }
      // Read the generation BEFORE loading: a write committed after this point bumps it.
      const seen = this.redisUsable() ? await this.guard(this.redis.get(opts.generationKey)).catch(() => undefined) : undefined;
      const value = await load();
      if (seen !== undefined) await this.storeIfNotInvalidated(resource, key, value, opts.generationKey, seen ?? '0', opts.indexKey).catch(skipped);
      return value;
    });
  }

  private async storeIfNotInvalidated(resource: Resource, key: string, value: unknown, generationKey: string, seen: string, indexKey?: string): Promise<void> {
    if (!this.redisUsable()) return;
    const env: Envelope = { at: this.now(), v: value };
    const args = [JSON.stringify(env), redisLifetimeMs(CACHE_POLICIES[resource]), seen, MAX_PAGES_PER_INDEX];
    const stored = await this.guard(indexKey ? this.storeIfCurrentIndexed([key, generationKey, indexKey], args) : this.storeIfCurrent([key, generationKey], args));
    if (stored === 1) this.l1.get(resource)?.set(key, env);
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
}
