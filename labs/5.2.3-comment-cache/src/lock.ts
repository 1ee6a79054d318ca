// A Redis lock so one loader in ALL processes rebuilds a cold key: SET key token NX PX ttl to take it,
// a token-checked DEL (release.lua) to give it back. The PX bounds how long a crashed holder blocks others.
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../../shared/redis-client';
import { luaCommand } from '../../../shared/lua';

export interface RedisLock {
  /** The token when the lock was free and is now ours, else null. Never waits. */
  tryAcquire(key: string, ttlMs: number): Promise<string | null>;
  /** True when we still held it and it is released; false when it expired or belongs to someone else. */
  release(key: string, token: string): Promise<boolean>;
}

export function createRedisLock(redis: RedisClient): RedisLock {
  const releaseScript = luaCommand<number>(redis, 'cc_release', new URL('./release.lua', import.meta.url), 1);
  return {
    async tryAcquire(key, ttlMs) {
      // A random token per acquisition: only the holder can release it.
      const token = randomBytes(16).toString('hex');
      const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
      return ok === 'OK' ? token : null;
    },
    async release(key, token) {
      return (await releaseScript([key], [token])) === 1;
    },
  };
}
