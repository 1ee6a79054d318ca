// Stale-while-revalidate alone: writes only touch Postgres; readers get the cached copy instantly, and a
// copy past its fresh window is served one more time while a single background load replaces it.
import { createSwrCache } from '../swr-cache';
import { options, type Strategy, type StrategyDefinition, type StrategyDeps } from '../strategy';

export interface SwrStrategy extends Strategy {
  settle(): Promise<void>;
  readonly backgroundLoads: number;
}

export async function createSwr(deps: StrategyDeps): Promise<SwrStrategy> {
  const { now, ttlMs, staleMs } = options(deps);
  const cache = createSwrCache({ redis: deps.redis, catalog: deps.catalog, key: (id) => deps.keys.key('product', id), now, freshMs: ttlMs, staleMs });
  return {
    name: 'swr',
    read: (id) => cache.get(id),
    write: async (id, patch) => void (await deps.catalog.update(id, patch)),
    settle: () => cache.settle(),
    get backgroundLoads() {
      return cache.backgroundLoads;
    },
    close: () => cache.settle(),
  };
}

export const swr: StrategyDefinition = {
  name: 'swr',
  promise: 'reads never wait on a stale entry; one background load refreshes it',
  create: createSwr,
};
