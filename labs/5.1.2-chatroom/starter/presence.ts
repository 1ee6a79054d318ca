// Starter: presence, left for you. One sorted set per room (`keys.key('presence', room)`): member = user,
// score = time of the last heartbeat from `now()`. Online = score within the last `ttlMs`. Expiring must
// read and remove in one atomic step (a Lua script in a .lua file, loaded with luaCommand from
// shared/lua.ts) so that two servers sweeping at once never both announce the same user's leave.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';
// Types only from src/: at run time every import of src/presence lands in this very file.
import type { Presence, PresenceOptions } from '../src/presence';

export type { Presence, PresenceOptions };
export const DEFAULT_PRESENCE_TTL_MS = 30_000;

export function createPresence(_redis: RedisClient, _keys: KeyBuilder, opts: PresenceOptions = {}): Presence {
  return {
    ttlMs: opts.ttlMs ?? DEFAULT_PRESENCE_TTL_MS,
    heartbeat: async () => {
      throw new NotImplementedError('exercise 3: record a heartbeat (ZADD with now(); true when the user is new)');
    },
    remove: async () => {
      throw new NotImplementedError('exercise 3: remove a user who left (ZREM)');
    },
    online: async () => {
      throw new NotImplementedError('exercise 3: list users seen within the TTL (ZRANGEBYSCORE)');
    },
    expire: async () => {
      throw new NotImplementedError('exercise 3: expire silent users atomically and return them (Lua: ZRANGEBYSCORE + ZREM)');
    },
  };
}
