// Stale-while-revalidate over Redis: an entry is fresh for `freshMs`, then stale for `staleMs` more.
// A stale hit is served at once and starts ONE background reload: one per stale entry across every
// instance, because the right to refresh is a SET NX on a key named after the entry's timestamp.
import type { Redis } from 'ioredis';
import type { Catalog } from './catalog';
import { encodeEntry, getEntry, type Entry } from './entry';
import type { Product } from './product';
import { productKey } from './read-through';
import { gcTtlMs, options, type Clock, type StrategyDeps } from './strategy';
import { refreshInBackground } from './swr-refresh';
import { luaCommand } from '../../../shared/lua';

const replaceLua = new URL('./replace-if-unchanged.lua', import.meta.url);

export interface SwrOptions {
  redis: Redis;
  catalog: Catalog;
  key: (id: number) => string;
  now: Clock;
  freshMs: number;
  staleMs: number;
  /** How long a refresher may hold the right to refresh before another may try (default 5 s). */
  lockMs?: number;
}

export interface SwrCache {
  get(id: number): Promise<Product | undefined>;
  /** Reloads the entry in the background unless this stale copy is already being refreshed. */
  refreshInBackground(id: number, stale: Entry): void;
  /** Waits for the refreshes this instance started. */
  settle(): Promise<void>;
  /** How many background reloads this instance ran. */
  readonly backgroundLoads: number;
}

export interface SwrParts {
  opts: SwrOptions;
  /** Loads from Postgres and stores a fresh entry. */
  fill(id: number): Promise<Product | undefined>;
  /** Loads from Postgres and replaces `stale` with it, unless a write invalidated the entry meanwhile. */
  refill(id: number, stale: Entry): Promise<Product | undefined>;
  inflight: Map<number, Promise<unknown>>;
  counters: { backgroundLoads: number };
}

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
