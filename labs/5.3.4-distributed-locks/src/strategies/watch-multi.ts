// Optimistic concurrency in Redis: the inventory is a counter; WATCH it, read it, and DECR inside
// MULTI. If anyone changed it in between, EXEC returns null and we try again. No one waits on a lock;
// conflicts cost retries instead. WATCH state belongs to a connection, hence a small pool of them.
// The seat count and the booking must not diverge: the booking's INSERT runs in a transaction before
// the EXEC and commits after it, and a COMMIT that fails after the EXEC gives the seat back.
import { thinkTime } from '../events-db';
import type { BookingStrategy, StrategyDeps } from './types';
import type { RedisClient } from '../../../../shared/redis-client';

const POOL_SIZE = 8;

export function watchMulti(deps: StrategyDeps): BookingStrategy {
  const idle: RedisClient[] = Array.from({ length: POOL_SIZE }, () => deps.newRedis());
  const waiting: Array<(r: RedisClient) => void> = [];
  const borrow = () => new Promise<RedisClient>((resolve) => (idle.length ? resolve(idle.pop()!) : waiting.push(resolve)));
  const giveBack = (r: RedisClient) => (waiting.length ? waiting.shift()!(r) : idle.push(r));
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
      // The booking is written first, in a transaction left open across the EXEC: a booking Postgres
      // refuses never reaches the seat count, and one the seat count refuses is rolled back. The Postgres
      // client is taken before any Redis connection (one order: the two pools never wait on each other)
      // and kept across retries, so a lost race costs Redis round trips only.
      const db = await deps.pg.connect();
      let open = false; // a transaction is open on `db`
      let booking: string | undefined; // the uncommitted booking's id, once inserted
      try {
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
            if (booking === undefined) {
              await db.query('BEGIN');
              open = true;
              const { rows } = await db.query<{ id: string }>('INSERT INTO bookings (event_id, buyer) VALUES ($1, $2) RETURNING id', [eventId, buyer]);
              booking = rows[0]!.id;
            }
            // null: someone else decremented first; the seat we saw may be gone. Look again.
            if (!(await conn.multi().decr(key).exec())) continue;
          } catch (err) {
            await conn.unwatch().catch(() => {}); // the next borrower must not inherit this WATCH
            throw err;
          } finally {
            giveBack(conn);
          }
          const waitMs = performance.now() - t0;
          try {
            open = false; // committed or failed, the transaction is over
            await db.query('COMMIT');
          } catch (err) {
            // Refused at COMMIT (a deferred check) after the seat was counted: give it back — unless the
            // booking is there after all (the connection died after committing). If that cannot be told,
            // the seat stays taken: an unsold seat can be found and released, an oversold one cannot.
            const { rowCount } = await deps.pg.query('SELECT 1 FROM bookings WHERE id = $1', [booking]);
            if (rowCount === 0) await deps.redis.incr(key);
            throw err;
          }
          return { outcome: 'sold', waitMs };
        }
      } finally {
        if (open) await db.query('ROLLBACK').catch(() => {});
        db.release();
      }
    },
  };
}
