// For comparison, no Redis at all: Postgres row lock on the event (SELECT … FOR UPDATE) serializes
// the buyers inside the database, for as long as each transaction stays open.
import { sellIfAvailable } from '../events-db';
import type { BookingStrategy, StrategyDeps } from './types';

export function forUpdate(deps: StrategyDeps): BookingStrategy {
  return {
    name: 'for-update',
    description: 'BEGIN; SELECT … FOR UPDATE on the event row; COMMIT',
    async buy(eventId, buyer) {
      const client = await deps.pg.connect();
      try {
        await client.query('BEGIN');
        const t0 = performance.now();
        await client.query('SELECT id FROM events WHERE id = $1 FOR UPDATE', [eventId]);
        const waitMs = performance.now() - t0;
        const sold = await sellIfAvailable(client, eventId, buyer, deps.thinkMs);
        await client.query('COMMIT');
        return { outcome: sold ? 'sold' : 'sold-out', waitMs };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
  };
}
