// A watchdog keeps a lease alive while a long critical section runs: it extends the TTL every third
// of its length, so the lock cannot expire under a slow but healthy worker, yet still expires soon
// after a crashed one (whose watchdog stopped with it).
import { LockLostError } from './errors';
import type { AcquireOptions, Lease, RedisLock } from './lock';

export async function withWatchdog<T>(
  locks: RedisLock,
  resource: string,
  fn: (lease: Lease, signal: AbortSignal) => Promise<T>,
  opts: AcquireOptions & { ttlMs: number },
): Promise<T> {
  const lease = await locks.acquire(resource, opts);
  const lost = new AbortController();
  const timer = setInterval(() => {
    lease.extend(opts.ttlMs).catch(() => lost.abort(new LockLostError(resource)));
  }, Math.max(1, Math.floor(opts.ttlMs / 3)));
  try {
    const result = await fn(lease, lost.signal);
    if (lost.signal.aborted) throw lost.signal.reason;
    return result;
  } finally {
    clearInterval(timer);
    await lease.release().catch(() => {});
  }
}
