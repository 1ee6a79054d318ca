// Explicit delete (cache-aside): read-through with a TTL, and a write that deletes the entry after the
// commit (src/explicit-write.ts). The TTL stays as a safety net for an invalidation that never happened
// (a crash between the two steps).
import { explicitWrite } from '../explicit-write';
import { readThrough } from '../read-through';
import { options, type Strategy, type StrategyDeps, type StrategyDefinition } from '../strategy';

export function createExplicit(deps: StrategyDeps, name = 'explicit'): Strategy {
  const { now, ttlMs } = options(deps);
  const key = (id: number) => deps.keys.key('product', id);
  return {
    name,
    read: readThrough({ redis: deps.redis, catalog: deps.catalog, key, now, ttlMs }),
    write: explicitWrite(deps.catalog, deps.redis, key),
    close: async () => {},
  };
}

export const explicit: StrategyDefinition = {
  name: 'explicit',
  promise: 'a read after a write (once the write returned) is fresh',
  create: async (deps) => createExplicit(deps),
};
