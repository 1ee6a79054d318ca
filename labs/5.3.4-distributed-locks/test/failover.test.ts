// A lock on Redis Cluster, through a failover. Replication is asynchronous: a master can acknowledge
// the lock's SET and the fencing INCR, then die before its replica has them; the promoted replica then
// has no lock (a second buyer takes it while the first still works) and a fencing counter that went
// back. The lab's answer is the fence checked by Postgres: the event row accepts only a token larger
// than any it has seen, so a lost lock or a repeated token cannot make two writers both succeed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { waitFor } from '../../../harness/ports';
import { bookFenced, createEvent, createSchema, seatsSold } from '../src/events-db';
import { RedisLock } from '../src/lock';
import { createStrategy } from '../src/strategies';

let cluster: LocalCluster;
let ctx: LabContext;
beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.3.4', { redisUrl: cluster.url });
  await createSchema(ctx.pg);
});
afterAll(async () => {
  await ctx?.dispose();
  await cluster?.dispose();
});

/** The fences of an event's bookings in the order Postgres accepted them (ids follow the row lock). */
async function fencesInOrder(eventId: number): Promise<number[]> {
  const { rows } = await ctx.pg.query<{ fence: string }>('SELECT fence FROM bookings WHERE event_id = $1 ORDER BY id', [eventId]);
  return rows.map((r) => Number(r.fence));
}

describe('fencing through a failover of the lock\'s master', () => {
  it('a sale that loses its lock\'s master midway: no oversell, tokens strictly increasing as Postgres accepted them', async () => {
    const seats = 60;
    const eventId = await createEvent(ctx.pg, 'failover sale', seats);
    const strategy = createStrategy('fencing', { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, thinkMs: 15, newRedis: () => ctx.newRedis() });
    const lockKey = new RedisLock(ctx.redis, ctx.keys).lockKey(`event:${eventId}`);
    // Buyers that try again when the lock cannot be reached (as a client retries a 503), waited too
    // long or were fenced: the sale goes on across the failover until it sells out.
    let errors = 0;
    const buyer = async (i: number) => {
      for (;;) {
        try {
          const r = await strategy.buy(eventId, `buyer-${i}`);
          if (r.outcome === 'sold' || r.outcome === 'sold-out') return r;
        } catch {
          errors++;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const buyers = Promise.all(Array.from({ length: 150 }, (_, i) => buyer(i)));
    await waitFor(async () => (await seatsSold(ctx.pg, eventId)).sold >= 5 || undefined, { what: 'a few bookings before the failover' });
    const failover = await cluster.failover(lockKey);
    const soldAtFailover = (await seatsSold(ctx.pg, eventId)).sold;
    const outcomes = await buyers;

    const { sold } = await seatsSold(ctx.pg, eventId);
    const summary = `sold ${soldAtFailover} before the replica took over, ${sold} in all; ${errors} lock calls failed during the failover`;
    expect(sold, summary).toBe(seats); // none oversold, and the sale finished on the promoted replica
    expect(outcomes.filter((o) => o.outcome === 'sold')).toHaveLength(seats);
    const fences = await fencesInOrder(eventId);
    expect(fences).toHaveLength(seats);
    for (let i = 1; i < fences.length; i++) expect(fences[i], `booking ${i}: ${fences.join(',')}`).toBeGreaterThan(fences[i - 1]!);
    const { rows: ev } = await ctx.pg.query<{ fence: string }>('SELECT fence FROM events WHERE id = $1', [eventId]);
    expect(Number(ev[0]!.fence)).toBe(fences.at(-1));
    expect(failover.promotedPort).not.toBe(failover.killed.port);
    expect(soldAtFailover, summary).toBeLessThan(seats); // the failover did happen mid-sale
  }, 90_000);

  it('when the failover lost the lock and the fencing INCR, the repeated token is refused by Postgres', async () => {
    const eventId = await createEvent(ctx.pg, 'lost lock', 1);
    const locks = new RedisLock(ctx.redis, ctx.keys);
    const resource = `event:${eventId}`;
    const a = await locks.acquire(resource, { ttlMs: 30_000 });
    // What the promoted replica has when the last writes never reached it: no lock, the counter one
    // step back. (Set here by hand: on one machine the replica is rarely behind when a master dies.)
    await ctx.redis.del(locks.lockKey(resource));
    await ctx.redis.decr(locks.fenceKey(resource));
    const b = await locks.acquire(resource, { timeoutMs: 0 }); // free at once: the lock was "lost"
    expect(b.fence).toBe(a.fence); // the same token, handed out twice
    // Both believe they hold the lock; both saw the seat free. Postgres accepts exactly one of them.
    const results = [await bookFenced(ctx.pg, eventId, 'B', b.fence), await bookFenced(ctx.pg, eventId, 'A', a.fence)];
    expect(results).toEqual([true, 'fenced']);
    expect(await seatsSold(ctx.pg, eventId)).toEqual({ seats: 1, sold: 1 });
    await b.release();
  });
});
