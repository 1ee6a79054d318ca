// What every cached read shares: the Redis client (or none: cache off), an optional small in-process
// L1, the codec and the counters. The read-through itself is in read-through.ts.
import type { RedisClient } from '../../../shared/redis-client';
import { LRUCache } from 'lru-cache';
import type { Codec } from '../../../shared/codec';
import { AppError } from '../../../shared/errors';
import type { CacheStats } from './stats';

/** A "not found" is cached too, briefly, so a flood of requests for a missing id does not reach Postgres. */
export const NEGATIVE_TTL_SEC = 30;

/**
 * Plain JSON (values hold ISO strings, not Dates, so no reviver is needed: a reviver costs ~4× the
 * parse on a hit). A corrupt entry decodes as undefined, i.e. a miss: one reload, never an error.
 */
export const plainJsonCodec: Codec = {
  encode: (value) => JSON.stringify(value),
  decode(text) {
    if (text == null) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  },
};

export interface CacheEntryRef {
  /** Stats namespace, e.g. `article`, `page.body`. */
  ns: string;
  key: string;
}

export interface CacheLayerOptions {
  /** null turns the cache off: every read goes to Postgres (the bench's "uncached" column). */
  redis: RedisClient | null;
  stats: CacheStats;
  /**
   * In-process L1 in front of Redis. Its entries live `ttlMs` at most; an update in this process drops
   * them at once, other processes see the change when their copy expires (short TTL = bounded staleness).
   */
  l1?: { max: number; ttlMs: number } | false;
  codec?: Codec;
}

interface Boxed {
  value: unknown;
}

export class CacheLayer {
  readonly redis: RedisClient | null;
  readonly stats: CacheStats;
  readonly codec: Codec;
  private readonly l1: LRUCache<string, Boxed> | null;
  private readonly l1TtlMs: number;

  constructor(opts: CacheLayerOptions) {
    this.redis = opts.redis;
    this.stats = opts.stats;
    this.codec = opts.codec ?? plainJsonCodec;
    this.l1 = opts.l1 ? new LRUCache<string, Boxed>({ max: opts.l1.max, ttl: opts.l1.ttlMs }) : null;
    this.l1TtlMs = opts.l1 ? opts.l1.ttlMs : 0;
  }

  /** The L1 copy, boxed so a cached `null` (not found) is told apart from "not in L1". */
  l1Get(key: string): Boxed | undefined {
    return this.l1?.get(key);
  }

  l1Set(key: string, value: unknown, ttlSec: number): void {
    this.l1?.set(key, { value }, { ttl: Math.min(this.l1TtlMs, ttlSec * 1000) });
  }

  l1Delete(key: string): void {
    this.l1?.delete(key);
  }

  /** Writes a freshly loaded value to Redis (and L1). A failed write is counted, never thrown. */
  async store(ns: string, key: string, value: unknown, ttlSec: number): Promise<void> {
    const ttl = value === null ? Math.min(NEGATIVE_TTL_SEC, ttlSec) : ttlSec;
    this.l1Set(key, value, ttl);
    if (!this.redis) return;
    try {
      await this.redis.set(key, this.codec.encode(value), 'EX', ttl);
    } catch (err) {
      this.degraded(ns, err);
    }
  }

  /** Deletes entries from Redis and L1. Returns false if Redis could not be reached (the TTL then bounds staleness). */
  async evict(entries: CacheEntryRef[]): Promise<boolean> {
    for (const e of entries) this.l1Delete(e.key);
    if (!this.redis || entries.length === 0) return true;
    try {
      await this.redis.del(...entries.map((e) => e.key));
      for (const e of entries) this.stats.record(e.ns, 'evictions');
      return true;
    } catch (err) {
      this.degraded(entries[0]!.ns, err);
      return false;
    }
  }

  /**
   * Called when a Redis command failed: counts it so the caller can fall back to Postgres. Errors of
   * the application itself (validation, a starter's NotImplemented) are not Redis failures: rethrown.
   */
  degraded(ns: string, err: unknown): void {
    if (err instanceof AppError) throw err;
    this.stats.record(ns, 'errors');
  }
}
