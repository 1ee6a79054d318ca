// watch-multi keeps the seat count and the bookings together: a booking Postgres refuses (here a CHECK
// that fails at INSERT, and a deferred trigger that fails only at COMMIT) must not cost a seat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { createEvent, createSchema, seatsSold } from '../src/events-db';
import { createStrategy } from '../src/strategies';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.3.4');
  await createSchema(ctx.pg);
  // This test's own schema refuses two buyers: one at INSERT, one only when the transaction commits.
  await ctx.pg.query(`
    ALTER TABLE bookings ADD CONSTRAINT no_mallory CHECK (buyer <> 'mallory');
    CREATE FUNCTION refuse_trudy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.buyer = 'trudy' THEN RAISE EXCEPTION 'trudy may not book'; END IF; RETURN NEW; END $$;
    CREATE CONSTRAINT TRIGGER refuse_trudy AFTER INSERT ON bookings
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_trudy();`);
});
afterAll(() => ctx.dispose());

describe('watch-multi: a refused booking keeps its seat', () => {
  for (const [buyer, when] of [
    ['mallory', 'at INSERT'],
    ['trudy', 'at COMMIT'],
  ] as const) {
    it(`a booking refused ${when} leaves the seat for the next buyer`, async () => {
      const strategy = createStrategy('watch-multi', { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, thinkMs: 0, newRedis: () => ctx.newRedis() });
      const eventId = await createEvent(ctx.pg, `refused ${when}`, 2);
      await strategy.prepare!(eventId, 2);

      await expect(strategy.buy(eventId, buyer)).rejects.toThrow(buyer === 'mallory' ? /no_mallory/ : /trudy may not book/);
      expect((await strategy.buy(eventId, 'alice')).outcome).toBe('sold');
      expect((await strategy.buy(eventId, 'bob')).outcome).toBe('sold'); // the refused buyer's seat
      expect((await strategy.buy(eventId, 'carol')).outcome).toBe('sold-out');
      expect(await seatsSold(ctx.pg, eventId)).toEqual({ seats: 2, sold: 2 });
      await strategy.close?.();
    });
  }
});
