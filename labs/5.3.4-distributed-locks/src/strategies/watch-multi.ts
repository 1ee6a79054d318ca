// Optimistic concurrency in Redis: the inventory is a counter; WATCH it, read it, and DECR inside
// MULTI. If anyone changed it in between, EXEC returns null and we try again. No one waits on a lock;
// conflicts cost retries instead. WATCH state belongs to a connection, hence a small pool of them.
import type { Redis } from 'ioredis';
import { thinkTime } from '../events-db';
import type { BookingStrategy, StrategyDeps } from './types';

const POOL_SIZE = 8;

export function watchMulti(deps: StrategyDeps): BookingStrategy {
  const idle: Redis[] = Array.from({ length: POOL_SIZE }, () => deps.newRedis());
  const waiting: Array<(r: Redis) => void> = [];
  const borrow = () => new Promise<Redis>((resolve) => (idle.length ? resolve(idle.pop()!) : waiting.push(resolve)));
  const giveBack = (r: Redis) => (waiting.length ? waiting.shift()!(r) : idle.push(r));
  const inventory = (eventId: number) => deps.keys.tagged('inventory', eventId);

  return {
    name: 'watch-multi',
    description: 'WATCH inventory; GET; MULTI DECR EXEC; retry on conflict',
    async prepare(eventId, seats) {
      await deps.redis.set(inventory(eventId), seats);
    },
    async buy(eventId, buyer) {
      const t0 = performance.now();
      const key = inventory(eventId);
      for (;;) {
        const conn = await borrow();
        try {
          await conn.watch(key);
          const left = Number(await conn.get(key));
          if (left <= 0) {
            await conn.unwatch();
            return { outcome: 'sold-out', waitMs: performance.now() - t0 };
          }
          await thinkTime(deps.thinkMs);
          const committed = await conn.multi().decr(key).exec();
          if (committed) {
            const waitMs = performance.now() - t0;
            await deps.pg.query('INSERT INTO bookings (event_id, buyer) VALUES ($1, $2)', [eventId, buyer]);
            return { outcome: 'sold', waitMs };
          }
          // null: someone else decremented first; the seat we saw may be gone.
        } finally {
          giveBack(conn);
        }
      }
    },
  };
}
