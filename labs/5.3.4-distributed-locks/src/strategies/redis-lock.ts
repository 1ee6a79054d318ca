// SET NX PX around the whole check-then-act, released with a token check.
import { sellIfAvailable } from '../events-db';
import { LockNotAcquiredError } from '../errors';
import { RedisLock } from '../lock';
import { soldOut } from './sold-out';
import { lockOptions, type BookingStrategy, type StrategyDeps } from './types';

export function redisLock(deps: StrategyDeps): BookingStrategy {
  const locks = new RedisLock(deps.redis, deps.keys, lockOptions(deps));
  return {
    name: 'redis-lock',
    description: 'SET lock token NX PX 5000; token-checked release (Lua)',
    async buy(eventId, buyer) {
      if (await soldOut(deps.pg, eventId)) return { outcome: 'sold-out', waitMs: 0 };
      let waitMs = 0;
      try {
        const sold = await locks.withLock(`event:${eventId}`, async (lease) => {
          waitMs = lease.waitedMs;
          return sellIfAvailable(deps.pg, eventId, buyer, deps.thinkMs);
        });
        return { outcome: sold ? 'sold' : 'sold-out', waitMs };
      } catch (err) {
        if (err instanceof LockNotAcquiredError) return { outcome: 'gave-up', waitMs };
        throw err;
      }
    },
  };
}
