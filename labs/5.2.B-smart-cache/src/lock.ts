// The cross-process half of stampede protection: before calling the loader for a key that missed in
// every tier, a process takes `SET lock token NX PX ttl`. Only the holder loads; the others wait for
// its result (lock-wait.ts), for a bounded time. The lock expires by itself if the holder dies.
// A lock can also be written late: during a Redis stall the client gives up on its SET (command
// timeout) and the server runs it once it wakes, leaving a lock nobody will release. Tokens name the
// process that wrote them, and each process knows which of its tokens are live (a reply came back and
// the load is still running); a lock of ours that is not live is such a leftover and is taken over at
// once. Another process's leftover is only waited on for the bounded wait (CacheOptions.lockWaitMs).
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../../shared/redis-client';
import { luaCommand } from '../../../shared/lua';
import type { Breaker } from './breaker';

const RELEASE = new URL('./lock-release.lua', import.meta.url);

export interface StampedeLock {
  /** A token when the lock was taken, null when another process holds it. */
  tryAcquire(lockKey: string): Promise<string | null>;
  release(lockKey: string, token: string): Promise<boolean>;
}

export function createStampedeLock(redis: RedisClient, breaker: Breaker, ttlMs: number): StampedeLock {
  const release = luaCommand<number>(redis, 'sc_lockRelease', RELEASE, 1);
  const prefix = `${randomBytes(6).toString('hex')}:`;
  const live = new Set<string>();
  let n = 0;
  /** SET NX, and (Redis ≥ 7.0) GET in the same command: null when taken, else the holder's token. */
  const setNx = (lockKey: string, token: string) =>
    breaker.run(async () => {
      const holder = (await redis.call('SET', lockKey, token, 'PX', String(ttlMs), 'NX', 'GET')) as string | null;
      if (holder === null) live.add(token); // ours now: added before any other continuation can look
      return holder;
    });
  return {
    async tryAcquire(lockKey) {
      const token = `${prefix}${++n}`;
      const holder = await setNx(lockKey, token);
      if (holder === null) return token;
      if (!holder.startsWith(prefix) || live.has(holder)) return null;
      // Our own leftover (a SET whose reply never came): remove exactly that token, then try again.
      await breaker.run(() => release([lockKey], [holder]));
      return (await setNx(lockKey, token)) === null ? token : null;
    },
    async release(lockKey, token) {
      live.delete(token);
      return (await breaker.run(() => release([lockKey], [token]))) === 1;
    },
  };
}
