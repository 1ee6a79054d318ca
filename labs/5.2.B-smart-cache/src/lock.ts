// The cross-process half of stampede protection: before calling the loader for a key that missed in
// every tier, a process takes `SET lock token NX PX ttl`. Only the holder loads; the others wait for
// its result (lock-wait.ts). The lock expires by itself if the holder dies.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { luaCommand } from '../../../shared/lua';
import type { Breaker } from './breaker';

const RELEASE = new URL('./lock-release.lua', import.meta.url);

export interface StampedeLock {
  /** A token when the lock was taken, null when another process holds it. */
  tryAcquire(lockKey: string): Promise<string | null>;
  release(lockKey: string, token: string): Promise<boolean>;
}

export function createStampedeLock(redis: Redis, breaker: Breaker, ttlMs: number): StampedeLock {
  const release = luaCommand<number>(redis, 'sc_lockRelease', RELEASE, 1);
  const prefix = randomBytes(6).toString('hex');
  let n = 0;
  return {
    async tryAcquire(lockKey) {
      const token = `${prefix}:${++n}`;
      const ok = await breaker.run(() => redis.set(lockKey, token, 'PX', ttlMs, 'NX'));
      return ok === 'OK' ? token : null;
    },
    async release(lockKey, token) {
      return (await breaker.run(() => release([lockKey], [token]))) === 1;
    },
  };
}
