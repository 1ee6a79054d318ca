// Starter for lab 5.3.4: the lock's three Redis operations, left for you. Keys, scripts (read
// and finish acquire.lua, release.lua, extend.lua beside this file), retries and leases are in src/lock-base.ts.
// Grade your progress with: npm run grade 5.3.4 -- --impl starter
import { NotImplementedError } from '../../../shared/errors';
import { LockBase } from '../src/lock-base';

export type { AcquireOptions, Lease } from '../src/lock-base';
export { sleep } from '../src/lock-base';

export class RedisLock extends LockBase {
  /** Exercise 1. this.acquireScript([lockKey, fenceKey], [token, ttlMs]) → the fencing token, or null. */
  protected async tryAcquire(_lockKey: string, _fenceKey: string, _token: string, _ttlMs: number): Promise<number | null> {
    throw new NotImplementedError('exercise 1: tryAcquire — SET NX PX + INCR fence (acquire.lua)');
  }

  /** Exercise 2. this.releaseScript([lockKey], [token]) — true only if the lock was ours. */
  protected async releaseIfOwner(_lockKey: string, _token: string): Promise<boolean> {
    throw new NotImplementedError('exercise 2: releaseIfOwner — token-checked DEL (release.lua)');
  }

  /** Exercise 2. this.extendScript([lockKey], [token, ttlMs]) — true only if the lock was ours. */
  protected async extendIfOwner(_lockKey: string, _token: string, _ttlMs: number): Promise<boolean> {
    throw new NotImplementedError('exercise 2: extendIfOwner — token-checked PEXPIRE (extend.lua)');
  }
}
