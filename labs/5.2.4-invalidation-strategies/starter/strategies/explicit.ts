// Starter — exercise 1: explicit delete. `npm run grade 5.2.4 -- --impl starter`.
import { NotImplementedError } from '../../../../shared/errors';
import { readThrough } from '../../src/read-through';
import { options, type Strategy, type StrategyDeps, type StrategyDefinition } from '../../src/strategy';

export function createExplicit(deps: StrategyDeps, name = 'explicit'): Strategy {
  const { now, ttlMs } = options(deps);
  const key = (id: number) => deps.keys.key('product', id);
  return {
    name,
    read: readThrough({ redis: deps.redis, catalog: deps.catalog, key, now, ttlMs }),
    async write(_id, _patch) {
      // Update the row with deps.catalog.update, then remove the cache entry key(id). Which order, and why?
      throw new NotImplementedError('exercise 1: explicit delete — update Postgres, then delete the cache entry');
    },
    close: async () => {},
  };
}

export const explicit: StrategyDefinition = {
  name: 'explicit',
  promise: 'a read after a write (once the write returned) is fresh',
  create: async (deps) => createExplicit(deps),
};
