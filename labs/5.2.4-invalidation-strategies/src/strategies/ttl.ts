// TTL only: writes go to Postgres and nothing else; readers see the old value until the entry ages out.
// The simplest strategy, and its staleness is bounded by exactly one TTL.
import { readThrough } from '../read-through';
import { options, type StrategyDefinition } from '../strategy';

export const ttl: StrategyDefinition = {
  name: 'ttl',
  promise: 'a read is at most one TTL stale',
  async create(deps) {
    const { now, ttlMs } = options(deps);
    const read = readThrough({ redis: deps.redis, catalog: deps.catalog, key: (id) => deps.keys.key('product', id), now, ttlMs });
    return {
      name: 'ttl',
      read,
      write: async (id, patch) => void (await deps.catalog.update(id, patch)),
      close: async () => {},
    };
  },
};
