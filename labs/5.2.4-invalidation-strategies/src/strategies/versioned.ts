// Versioned keys: every key carries the deploy's cache version (`…:v2:product:7`). A deploy that changes
// the data's shape, or a migration that rewrote rows behind the cache, bumps the version and every old
// entry is simply never read again (they expire on their own). Writes in between use explicit delete.
import { createExplicit } from './explicit';
import type { StrategyDefinition } from '../strategy';

export const versioned: StrategyDefinition = {
  name: 'versioned',
  promise: 'entries written by an older deploy are ignored',
  async create(deps) {
    const version = deps.cacheVersion ?? 1;
    return createExplicit({ ...deps, keys: deps.keys.forLab(deps.keys.lab, version) }, 'versioned');
  },
};
