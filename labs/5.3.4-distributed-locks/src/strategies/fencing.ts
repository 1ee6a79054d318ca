// The lock plus a fencing token: the database write only succeeds if the token is newer than any
// write the event has accepted, so a client paused past its lease cannot write stale data.
import { sellIfAvailableFenced } from '../events-db';
import { LockNotAcquiredError } from '../errors';
import { RedisLock } from '../lock';
import { soldOut } from './sold-out';
import { lockOptions, type BookingStrategy, type StrategyDeps } from './types';

export function fencing(deps: StrategyDeps): BookingStrategy {
  const locks = new RedisLock(deps.redis, deps.keys, lockOptions(deps));
  return {
    name: 'fencing',
    description: 'Redis lock + INCR fencing token checked by the UPDATE',
    async buy(eventId, buyer) {
      if (await soldOut(deps.pg, eventId)) return { outcome: 'sold-out', waitMs: 0 };
      let lease;
      try {
        lease = await locks.acquire(`event:${eventId}`);
      } catch (err) {
        if (err instanceof LockNotAcquiredError) return { outcome: 'gave-up', waitMs: 0 };
        throw err;
      }
      try {
        const result = await sellIfAvailableFenced(deps.pg, eventId, buyer, deps.thinkMs, lease.fence);
        return { outcome: result === 'fenced' ? 'fenced' : result ? 'sold' : 'sold-out', waitMs: lease.waitedMs };
      } finally {
        await lease.release().catch(() => {});
      }
    },
  };
}
