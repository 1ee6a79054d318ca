// Starter for lab 5.3.4, exercise 3: keep a lease alive while `fn` runs.
import { NotImplementedError } from '../../../shared/errors';
import type { AcquireOptions, Lease, RedisLock } from '../src/lock';

/**
 * Acquire, then every ttlMs / 3 call lease.extend(ttlMs); if an extension fails, abort the signal with
 * a LockLostError (src/errors.ts) and throw it when fn returns. Always stop the timer and release.
 */
export async function withWatchdog<T>(
  _locks: RedisLock,
  _resource: string,
  _fn: (lease: Lease, signal: AbortSignal) => Promise<T>,
  _opts: AcquireOptions & { ttlMs: number },
): Promise<T> {
  throw new NotImplementedError('exercise 3: withWatchdog — extend the lease every ttl/3 while fn runs');
}
