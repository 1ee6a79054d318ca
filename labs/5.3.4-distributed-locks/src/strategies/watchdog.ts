// A shorter lease that a watchdog keeps extending while the work runs: a slow critical section keeps
// its lock, a crashed holder loses it within one TTL. Not much shorter than 2 s, though: the extension
// must land even when this process's event loop is busy, or a healthy holder loses its lock.
import { sellIfAvailable } from '../events-db';
import { LockNotAcquiredError } from '../errors';
import { RedisLock } from '../lock';
import { withWatchdog } from '../watchdog';
import { soldOut } from './sold-out';
import { lockOptions, type BookingStrategy, type StrategyDeps } from './types';

export function watchdogLock(deps: StrategyDeps): BookingStrategy {
  const locks = new RedisLock(deps.redis, deps.keys, lockOptions(deps));
  const ttlMs = Math.max(2_000, deps.thinkMs * 20);
  return {
    name: 'watchdog',
    description: `lease of ${ttlMs} ms extended every ${Math.floor(ttlMs / 3)} ms while working`,
    async buy(eventId, buyer) {
      if (await soldOut(deps.pg, eventId)) return { outcome: 'sold-out', waitMs: 0 };
      let waitMs = 0;
      try {
        const sold = await withWatchdog(
          locks,
          `event:${eventId}`,
          async (lease) => {
            waitMs = lease.waitedMs;
            return sellIfAvailable(deps.pg, eventId, buyer, deps.thinkMs);
          },
          { ttlMs, timeoutMs: 10_000 },
        );
        return { outcome: sold ? 'sold' : 'sold-out', waitMs };
      } catch (err) {
        if (err instanceof LockNotAcquiredError) return { outcome: 'gave-up', waitMs };
        throw err;
      }
    },
  };
}
