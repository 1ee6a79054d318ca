// Presence: who is online in a room. One sorted set per room, member = user, score = the time of the
// user's last heartbeat. "Online" is a range query on the score; a user whose heartbeats stop (a closed
// laptop, a crashed server) falls out of the range, and a sweep removes them and reports who left.
// Time comes from an injected clock, so a test can move it forward instead of sleeping.
import type { RedisClient } from '../../../shared/redis-client';
import type { KeyBuilder } from '../../../shared/keys';
import { luaCommand } from '../../../shared/lua';

export const DEFAULT_PRESENCE_TTL_MS = 30_000;

export interface PresenceOptions {
  /** A user without a heartbeat for this long is gone. */
  ttlMs?: number;
  now?: () => number;
}

export interface Presence {
  /** Records a heartbeat; true when the user was not present before (a join). */
  heartbeat(room: string, user: string): Promise<boolean>;
  /** Removes a user who left cleanly; true when they were present. */
  remove(room: string, user: string): Promise<boolean>;
  /** Users with a heartbeat within the TTL, alphabetically. */
  online(room: string): Promise<string[]>;
  /** Removes the users whose heartbeat is older than the TTL and returns them (each to one caller only). */
  expire(room: string): Promise<string[]>;
  readonly ttlMs: number;
}

export function createPresence(redis: RedisClient, keys: KeyBuilder, opts: PresenceOptions = {}): Presence {
  const ttlMs = opts.ttlMs ?? DEFAULT_PRESENCE_TTL_MS;
  const now = opts.now ?? Date.now;
  const keyOf = (room: string) => keys.key('presence', room);
  const expireScript = luaCommand<string[]>(redis, 'chat_presenceExpire', new URL('./presence-expire.lua', import.meta.url), 1);

  return {
    ttlMs,
    async heartbeat(room, user) {
      const result = await redis
        .multi()
        .zadd(keyOf(room), now(), user)
        // The set itself goes away when a whole room falls silent (nobody left to sweep it).
        .pexpire(keyOf(room), ttlMs * 2)
        .exec();
      return Number(result?.[0]?.[1]) === 1;
    },
    async remove(room, user) {
      return (await redis.zrem(keyOf(room), user)) === 1;
    },
    async online(room) {
      // "(" makes the bound exclusive: a heartbeat exactly ttlMs old is already expired, as in expire().
      const users = await redis.zrangebyscore(keyOf(room), `(${now() - ttlMs}`, '+inf');
      return users.sort();
    },
    expire: (room) => expireScript([keyOf(room)], [now() - ttlMs]),
  };
}
