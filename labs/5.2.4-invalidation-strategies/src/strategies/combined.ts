// Combined: the belt and the braces. Events make writes visible within milliseconds, SWR keeps readers
// off the database when entries age, and the hard TTL (fresh + stale) bounds the damage when an event
// is lost (pub/sub is fire-and-forget).
import { swrCacheFor } from '../swr-cache';
import type { StrategyDefinition } from '../strategy';
import { startInvalidatorProcess } from '../invalidator-process';
import { createLayeredInstance, startInProcessInvalidator } from './event';

export const combined: StrategyDefinition = {
  name: 'combined',
  promise: 'event invalidation, SWR reads, and a hard TTL as the backstop',
  async create(deps) {
    const cache = swrCacheFor(deps);
    return createLayeredInstance(deps, 'combined', (id) => cache.get(id), { settle: () => cache.settle(), close: () => cache.settle() });
  },
  startWorker: startInProcessInvalidator,
  startWorkerProcess: startInvalidatorProcess,
};
