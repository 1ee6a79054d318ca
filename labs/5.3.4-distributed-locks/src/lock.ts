// The lesson: a single-instance Redis lock in three scripts. Taking it is SET key token NX PX ttl
// (plus INCR of a fencing counter, atomically); releasing and extending first check that the key still
// holds *our* token — a plain DEL could delete a lock that expired and now belongs to someone else.
import { LockBase } from './lock-base';

export type { AcquireOptions, Lease } from './lock-base';
export { sleep } from './lock-base';

export class RedisLock extends LockBase {
  /** acquire.lua: SET NX PX, and on success INCR the fencing counter. */
  protected async tryAcquire(lockKey: string, fenceKey: string, token: string, ttlMs: number): Promise<number | null> {
    const fence = await this.acquireScript([lockKey, fenceKey], [token, ttlMs]);
    return fence === null ? null : Number(fence);
  }

  /** release.lua: GET == token ? DEL : 0. */
  protected async releaseIfOwner(lockKey: string, token: string): Promise<boolean> {
    return (await this.releaseScript([lockKey], [token])) === 1;
  }

  /** extend.lua: GET == token ? PEXPIRE : 0. */
  protected async extendIfOwner(lockKey: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.extendScript([lockKey], [token, ttlMs])) === 1;
  }
}
