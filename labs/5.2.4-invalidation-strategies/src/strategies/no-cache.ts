// The baseline: every read goes to Postgres. Always fresh, and the yardstick for database load.
import type { StrategyDefinition } from '../strategy';

export const noCache: StrategyDefinition = {
  name: 'no-cache',
  promise: 'every read is fresh because every read is a database read',
  async create({ catalog }) {
    return {
      name: 'no-cache',
      read: (id) => catalog.load(id),
      write: async (id, patch) => void (await catalog.update(id, patch)),
      close: async () => {},
    };
  },
};
