// Explicit delete (cache-aside): write Postgres first, then DELETE the entry, so the next read misses and
// loads the new row. Delete, not set: two writers racing cannot leave the older value behind.
import { readThrough } from '../read-through';
import { options, type Strategy, type StrategyDeps, type StrategyDefinition } from '../strategy';

export function createExplicit(deps: StrategyDeps, name = 'explicit'): Strategy {
  const { now, ttlMs } = options(deps);
  const key = (id: number) => deps.keys.key('product', id);
  return {
    name,
    // The TTL stays as a safety net for an invalidation that never happened (a crash between the two steps).
    read: readThrough({ redis: deps.redis, catalog: deps.catalog, key, now, ttlMs }),
    async write(id, patch) {
      // Order matters: delete after the commit. Deleting first lets a reader refill the old row in between.
      await deps.catalog.update(id, patch);
      await deps.redis.unlink(key(id));
    },
    close: async () => {},
  };
}

export const explicit: StrategyDefinition = {
  name: 'explicit',
  promise: 'a read after a write (once the write returned) is fresh',
  create: async (deps) => createExplicit(deps),
};
