// TTL only: writes go to Postgres and nothing else; readers see the old value until the entry ages out.
// The simplest strategy, and its staleness is bounded by exactly one TTL.
import { readThroughFor } from '../read-through';
import type { StrategyDefinition } from '../strategy';

export const ttl: StrategyDefinition = {
  name: 'ttl',
  promise: 'a read is at most one TTL stale',
  async create(deps) {
    return {
      name: 'ttl',
      read: readThroughFor(deps),
      write: async (id, patch) => void (await deps.catalog.update(id, patch)),
      close: async () => {},
    };
  },
};
