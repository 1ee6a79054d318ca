// An app instance's own in-memory cache (L1, lru-cache) in front of Redis (L2). It can only be dropped
// by a message, so it guards against one race: a read that started before a drop must not put the
// value it fetched back after the drop (it may be the stale one).
import { LRUCache } from 'lru-cache';
import type { Product } from './product';
import type { Clock } from './strategy';

export interface L1 {
  get(id: number): Product | undefined;
  has(id: number): boolean;
  /** Reads through `load` and stores the result unless the id was dropped meanwhile. */
  through(id: number, load: () => Promise<Product | undefined>): Promise<Product | undefined>;
  drop(id: number): void;
  readonly size: number;
}

export function createL1(opts: { now: Clock; ttlMs: number; max?: number }): L1 {
  const cache = new LRUCache<number, Product>({ max: opts.max ?? 10_000, ttl: opts.ttlMs, ttlResolution: 0, perf: { now: opts.now } });
  // Bumped by every drop; a fill only lands if no drop happened while it was loading.
  const drops = new Map<number, number>();
  return {
    get: (id) => cache.get(id),
    has: (id) => cache.has(id),
    async through(id, load) {
      const hit = cache.get(id);
      if (hit) return hit;
      const generation = drops.get(id) ?? 0;
      const value = await load();
      if (value && (drops.get(id) ?? 0) === generation) cache.set(id, value);
      return value;
    },
    drop(id) {
      drops.set(id, (drops.get(id) ?? 0) + 1);
      cache.delete(id);
    },
    get size() {
      return cache.size;
    },
  };
}
