// The stale-while-revalidate cache's shapes, in their own file so the cache (swr-cache.ts) and its
// refresh exercise (swr-refresh.ts) can both use them without importing each other.
import type { RedisClient } from '../../../shared/redis-client';
import type { Catalog } from './catalog';
import type { Entry } from './entry';
import type { Product } from './product';
import type { Clock } from './strategy';

export interface SwrOptions {
  redis: RedisClient;
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
