// Starter: exercise 3 — the stampede lock. `npm run grade 5.2.3 -- --impl starter`.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';

export interface RedisLock {
  /** The token when the lock was free and is now ours, else null. Never waits. */
  tryAcquire(key: string, ttlMs: number): Promise<string | null>;
  /** True when we still held it and it is released; false when it expired or belongs to someone else. */
  release(key: string, token: string): Promise<boolean>;
}

export function createRedisLock(_redis: RedisClient): RedisLock {
  return {
    async tryAcquire() {
      // A random token (node:crypto randomBytes), then SET key token PX ttlMs NX.
      throw new NotImplementedError('exercise 3: tryAcquire (SET NX PX with a random token)');
    },
    async release() {
      // Token-checked DEL in src/release.lua, loaded with luaCommand from shared/lua.ts (1 key).
      throw new NotImplementedError('exercise 3: release (token-checked DEL in release.lua)');
    },
  };
}
