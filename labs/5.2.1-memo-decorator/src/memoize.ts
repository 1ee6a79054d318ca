// memoize(fn, opts): an async function's results cached in two layers.
//   L1 — the hand-written LRU in this process: ~1 µs, but per process and lost on restart.
//   L2 — Redis: one round trip, shared by every process, survives restarts.
// Modes: 'l1' (LRU only), 'l2' (Redis only), 'hybrid' (L1 first, then Redis; a Redis hit is promoted
// into L1). Concurrent misses for one key share one call (single-flight). Redis is an optimisation, never
// a dependency: a failing or slow Redis is skipped, the caller still gets the upstream result.
import type { RedisClient } from '../../../shared/redis-client';
import { jsonCodec, type Codec } from '../../../shared/codec';
import { LruCache } from './lru';
import { memoKey } from './memo-key';
import { SingleFlight } from './single-flight';

export type MemoMode = 'l1' | 'l2' | 'hybrid';

export interface MemoizeOptions {
  /** Time-to-live of a cached result, in ms (both layers). */
  ttlMs: number;
  /** A shorter L1 TTL in hybrid mode, so processes pick up L2 changes sooner (default ttlMs). */
  l1TtlMs?: number;
  /** Most L1 entries (default 1,000). */
  max?: number;
  /** Default: 'hybrid' when a Redis client is given, else 'l1'. */
  mode?: MemoMode;
  /** The L2 client; create it with `memoRedisOptions` so a Redis outage fails fast instead of queueing. */
  redis?: RedisClient;
  /** Key prefix, e.g. `ctx.keys.key('memo')`. */
  namespace?: string;
  /** Bump to ignore every entry cached by an older version of the function. */
  version?: string | number;
  /** The function's name in the key (default fn.name). */
  name?: string;
  /** Custom arguments part of the key (default canonical JSON, hashed when long or unusual). */
  key?: (args: readonly unknown[]) => string;
  /** Clock for TTLs (tests inject one). */
  now?: () => number;
  /** Longest wait for a Redis command before it counts as failed (default 100 ms). */
  redisTimeoutMs?: number;
  /** After a Redis failure, skip Redis for this long (default 1,000 ms), then try again. */
  redisRetryMs?: number;
  codec?: Codec;
}

export interface MemoStats {
  l1: { hits: number; misses: number; size: number; evictions: number };
  l2: { hits: number; misses: number; errors: number; skipped: number };
  upstream: { calls: number; errors: number };
  /** Callers that joined an in-flight call instead of starting their own. */
  joins: number;
}

export type Memoized<A extends unknown[], R> = ((...args: A) => Promise<R>) & {
  /** The cache key a call with these arguments uses. */
  keyFor(...args: A): string;
  stats(): MemoStats;
  /** Empties L1 (L2 entries expire by TTL or by bumping `version`). */
  clear(): void;
  readonly mode: MemoMode;
};

/** ioredis options for an L2 client that fails fast: no offline queue, no retries, short timeout. */
export const memoRedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, commandTimeout: 100 } as const;

/** Waits until a client made with `memoRedisOptions` is ready (without an offline queue, earlier commands fail). */
export function whenReady(redis: RedisClient, timeoutMs = 5_000): Promise<RedisClient> {
  if (redis.status === 'ready') return Promise.resolve(redis);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('redis did not become ready')), timeoutMs);
    redis.once('ready', () => {
      clearTimeout(t);
      resolve(redis);
    });
  });
}

interface Envelope {
  /** The value. */
  v: unknown;
  /** Expiry on the memo's clock, so a promoted entry keeps its remaining TTL in L1. */
  e: number;
}

export function memoize<A extends unknown[], R>(fn: (...args: A) => Promise<R>, opts: MemoizeOptions): Memoized<A, R> {
  const mode: MemoMode = opts.mode ?? (opts.redis ? 'hybrid' : 'l1');
  if (mode !== 'l1' && !opts.redis) throw new TypeError(`mode '${mode}' needs a redis client`);
  if (!(opts.ttlMs > 0)) throw new RangeError('ttlMs must be > 0');
  const now = opts.now ?? Date.now;
  const codec = opts.codec ?? jsonCodec;
  const name = opts.name ?? (fn.name || 'anonymous');
  const namespace = opts.namespace ?? 'memo';
  const l1TtlMs = Math.min(opts.l1TtlMs ?? opts.ttlMs, opts.ttlMs);
  const redisTimeoutMs = opts.redisTimeoutMs ?? 100;
  const redisRetryMs = opts.redisRetryMs ?? 1_000;
  const redis = mode === 'l1' ? undefined : opts.redis;
  const l1 = mode === 'l2' ? undefined : new LruCache<string, R>({ max: opts.max ?? 1_000, ttlMs: l1TtlMs, now });
  const flight = new SingleFlight<string>();
  const s = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, l2Errors: 0, l2Skipped: 0, calls: 0, upstreamErrors: 0 };
  let redisDownUntil = 0;

  const keyFor = (args: readonly unknown[]) =>
    opts.key ? `${namespace}:v${opts.version ?? 1}:${name}:${opts.key(args)}` : memoKey({ namespace, version: opts.version, fnName: name, args });

  // Every Redis call goes through here: bounded in time, and an error is a miss, never the caller's problem.
  async function l2<T>(op: (r: RedisClient) => Promise<T>): Promise<T | undefined> {
    if (now() < redisDownUntil) {
      s.l2Skipped++;
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        op(redis!),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('redis timeout')), redisTimeoutMs);
        }),
      ]);
    } catch {
      s.l2Errors++;
      redisDownUntil = now() + redisRetryMs;
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  async function load(self: unknown, key: string, args: A): Promise<R> {
    if (redis) {
      const text = await l2((r) => r.get(key));
      const env = codec.decode(text) as Envelope | undefined;
      if (env && typeof env === 'object' && 'e' in env && env.e > now()) {
        s.l2Hits++;
        // Promotion: the next call in this process is an L1 hit, for no longer than the entry has left.
        l1?.set(key, env.v as R, Math.min(l1TtlMs, env.e - now()));
        return env.v as R;
      }
      if (text !== undefined) s.l2Misses++;
    }
    s.calls++;
    let value: R;
    try {
      value = await fn.apply(self, args);
    } catch (err) {
      s.upstreamErrors++;
      throw err; // failures are not cached
    }
    if (value === undefined) return value; // undefined means "nothing to cache"
    l1?.set(key, value);
    if (redis) {
      const env: Envelope = { v: value, e: now() + opts.ttlMs };
      await l2((r) => r.set(key, codec.encode(env), 'PX', opts.ttlMs));
    }
    return value;
  }

  const memoized = function (this: unknown, ...args: A): Promise<R> {
    const key = keyFor(args);
    if (l1) {
      const hit = l1.get(key);
      if (hit !== undefined) {
        s.l1Hits++;
        return Promise.resolve(hit);
      }
      s.l1Misses++;
    }
    return flight.run(key, () => load(this, key, args));
  } as Memoized<A, R>;

  Object.defineProperty(memoized, 'mode', { value: mode });
  memoized.keyFor = (...args: A) => keyFor(args);
  memoized.clear = () => l1?.clear();
  memoized.stats = () => {
    const lru = l1?.stats();
    return {
      l1: { hits: s.l1Hits, misses: s.l1Misses, size: lru?.size ?? 0, evictions: lru?.evictions ?? 0 },
      l2: { hits: s.l2Hits, misses: s.l2Misses, errors: s.l2Errors, skipped: s.l2Skipped },
      upstream: { calls: s.calls, errors: s.upstreamErrors },
      joins: flight.joins,
    };
  };
  return memoized;
}
