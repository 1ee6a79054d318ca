// The broken baseline: check-then-act with nothing in between. Every buyer that counts before the
// others insert sees a free seat, so the event oversells.
import { sellIfAvailable } from '../events-db';
import type { BookingStrategy, StrategyDeps } from './types';

export function noLock(deps: StrategyDeps): BookingStrategy {
  return {
    name: 'no-lock',
    description: 'count, think, insert — no coordination',
    async buy(eventId, buyer) {
      const sold = await sellIfAvailable(deps.pg, eventId, buyer, deps.thinkMs);
      return { outcome: sold ? 'sold' : 'sold-out', waitMs: 0 };
    },
  };
}
