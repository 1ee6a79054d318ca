// Starter — exercise 1. `npm run grade 5.2.2 -- --impl starter` shows what is left.
import { NotImplementedError } from '../../../shared/errors';
import type { CacheLayer } from '../src/cache-layer';

/**
 * L1 → Redis → `load()`: return a cached value when there is one (a cached `null` means "not found");
 * on a miss call `load`, store the result for `ttlSec` (cache.store) and return it. Count every
 * outcome with cache.stats.record(ns, 'l1_hits' | 'hits' | 'misses'). If a Redis command throws, call
 * cache.degraded(ns, err) and return `load()`: slower, never an error. `cache.redis` null = cache off.
 */
export async function getOrLoad<T>(_cache: CacheLayer, _ns: string, _key: string, _ttlSec: number, _load: () => Promise<T | null>): Promise<T | null> {
  throw new NotImplementedError('exercise 1: read-through get-or-load (L1 → Redis GET → load + SET EX; Redis errors fall back to load)');
}
