// Exercise 1 — the read-through: callers ask the cache; on a miss the cache loads from Postgres and
// stores the result, so the next caller gets it without touching the database.
import type { CacheLayer } from './cache-layer';

/**
 * L1 → Redis → `load()`. A hit returns the cached value (a cached `null` means "known not to exist").
 * A miss calls `load`, stores the result for `ttlSec` and returns it. If Redis fails (down, stalled),
 * the value comes straight from `load`: slower, never an error.
 */
export async function getOrLoad<T>(cache: CacheLayer, ns: string, key: string, ttlSec: number, load: () => Promise<T | null>): Promise<T | null> {
  const local = cache.l1Get(key);
  if (local) {
    cache.stats.record(ns, 'l1_hits');
    return local.value as T | null;
  }
  if (!cache.redis) {
    cache.stats.record(ns, 'misses');
    return load();
  }

  let text: string | null;
  try {
    text = await cache.redis.get(key);
  } catch (err) {
    // Redis is unreachable: serve from Postgres and do not try to write back.
    cache.degraded(ns, err);
    return load();
  }
  // The codec treats a corrupt entry as a miss: one reload instead of an error page.
  const cached = cache.codec.decode(text);
  if (cached !== undefined) {
    cache.stats.record(ns, 'hits');
    cache.l1Set(key, cached, ttlSec);
    return cached as T | null;
  }

  cache.stats.record(ns, 'misses');
  const value = await load();
  await cache.store(ns, key, value, ttlSec);
  return value;
}
