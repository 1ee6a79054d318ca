// Stale-while-revalidate over Redis: an entry is fresh for `freshMs`, then stale for `staleMs` more.
// A stale hit is served at once and starts ONE background reload: one per stale entry across every
// instance, because the right to refresh is a SET NX on a key named after the entry's timestamp.
import { encodeEntry, getEntry } from './entry';
import { productKey } from './read-through';
import { gcTtlMs, options, type StrategyDeps } from './strategy';
import { refreshInBackground } from './swr-refresh';
import type { SwrCache, SwrOptions, SwrParts } from './swr-types';
import { luaCommand } from '../../../shared/lua';

export type { SwrCache, SwrOptions, SwrParts } from './swr-types';

const replaceLua = new URL('./replace-if-unchanged.lua', import.meta.url);

export function createSwrCache(opts: SwrOptions): SwrCache {
  const { redis, catalog, key, now, freshMs, staleMs } = opts;
  const replaceIfUnchanged = luaCommand<number>(redis, 'inv_replaceIfUnchanged', replaceLua, 1);
  const parts: SwrParts = {
    opts,
    inflight: new Map(),
    counters: { backgroundLoads: 0 },
    async fill(id) {
      const product = await catalog.load(id);
      if (product) await redis.set(key(id), encodeEntry(product, now()), 'PX', gcTtlMs(freshMs + staleMs));
      return product;
    },
    async refill(id, stale) {
      const product = await catalog.load(id);
      if (product) await replaceIfUnchanged([key(id)], [stale.at, encodeEntry(product, now()), gcTtlMs(freshMs + staleMs)]);
      return product;
    },
  };
  const refresh = refreshInBackground(parts);
  return {
    async get(id) {
      const entry = await getEntry(redis, key(id));
      const age = entry ? now() - entry.at : Number.POSITIVE_INFINITY;
      if (entry && age < freshMs) return entry.v;
      if (entry && age < freshMs + staleMs) {
        refresh(id, entry);
        return entry.v;
      }
      // A miss, or older than fresh + stale (the hard TTL): the caller waits for the database.
      return parts.fill(id);
    },
    refreshInBackground: refresh,
    settle: async () => void (await Promise.allSettled([...parts.inflight.values()])),
    get backgroundLoads() {
      return parts.counters.backgroundLoads;
    },
  };
}

/** An SWR cache over a strategy's own deps: fresh for the TTL, then stale for `staleMs`. */
export function swrCacheFor(deps: StrategyDeps): SwrCache {
  const { now, ttlMs, staleMs } = options(deps);
  return createSwrCache({ redis: deps.redis, catalog: deps.catalog, key: productKey(deps), now, freshMs: ttlMs, staleMs });
}
