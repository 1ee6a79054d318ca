// Stale-while-revalidate alone: writes only touch Postgres; readers get the cached copy instantly, and a
// copy past its fresh window is served one more time while a single background load replaces it.
import { swrCacheFor } from '../swr-cache';
import type { Strategy, StrategyDefinition, StrategyDeps } from '../strategy';

export interface SwrStrategy extends Strategy {
  settle(): Promise<void>;
  readonly backgroundLoads: number;
}

export async function createSwr(deps: StrategyDeps): Promise<SwrStrategy> {
  const cache = swrCacheFor(deps);
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
