// Explicit delete (cache-aside): read-through with a TTL, and a write that deletes the entry after the
// commit (src/explicit-write.ts). The TTL stays as a safety net for an invalidation that never happened
// (a crash between the two steps).
import { explicitWrite } from '../explicit-write';
import { productKey, readThroughFor } from '../read-through';
import type { Strategy, StrategyDeps, StrategyDefinition } from '../strategy';

export function createExplicit(deps: StrategyDeps, name = 'explicit'): Strategy {
  return {
    name,
    read: readThroughFor(deps),
    write: explicitWrite(deps.catalog, deps.redis, productKey(deps)),
    close: async () => {},
  };
}

export const explicit: StrategyDefinition = {
  name: 'explicit',
  promise: 'a read after a write (once the write returned) is fresh',
  create: async (deps) => createExplicit(deps),
};
