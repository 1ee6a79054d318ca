// Write-through: the writer puts the committed row (RETURNING) into the cache itself, so the next read
// is a fresh hit with no database read at all.
import { luaCommand } from '../../../../shared/lua';
import { encodeEntry } from '../entry';
import { productKey, readThroughFor } from '../read-through';
import { gcTtlMs, options, type StrategyDefinition } from '../strategy';

const setIfNewerLua = new URL('../set-if-newer.lua', import.meta.url);

export const writeThrough: StrategyDefinition = {
  name: 'write-through',
  promise: 'a read after a write is fresh and costs no database read',
  async create(deps) {
    const { now, ttlMs } = options(deps);
    const key = productKey(deps);
    const setIfNewer = luaCommand<number>(deps.redis, 'inv_setIfNewer', setIfNewerLua, 1);
    return {
      name: 'write-through',
      read: readThroughFor(deps),
      async write(id, patch) {
        const { after } = await deps.catalog.update(id, patch);
        await setIfNewer([key(id)], [encodeEntry(after, now()), after.version, gcTtlMs(ttlMs)]);
      },
      close: async () => {},
    };
  },
};
