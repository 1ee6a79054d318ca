// The resource the buyers fight over: an event with a fixed number of seats in Postgres.
// `sellIfAvailable` is deliberately check-then-act (count, think, insert): safe only when callers
// are serialized by something — a lock, a row lock, or an atomic counter.
import type pg from 'pg';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export async function createSchema(db: Queryable): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS events (
      id serial PRIMARY KEY,
      name text NOT NULL,
      seats int NOT NULL CHECK (seats >= 0),
      -- The highest fencing token that has written to this event.
      fence bigint NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS bookings (
      id bigserial PRIMARY KEY,
      event_id int NOT NULL REFERENCES events (id),
      buyer text NOT NULL,
      fence bigint,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX IF NOT EXISTS bookings_event ON bookings (event_id);
    CREATE TABLE IF NOT EXISTS seat_holders (
      event_id int NOT NULL REFERENCES events (id),
      seat int NOT NULL,
      holder text,
      fence bigint NOT NULL DEFAULT 0,
      PRIMARY KEY (event_id, seat)
    );`);
}

export async function createEvent(db: Queryable, name: string, seats: number): Promise<number> {
  const { rows } = await db.query<{ id: number }>('INSERT INTO events (name, seats) VALUES ($1, $2) RETURNING id', [name, seats]);
  return rows[0]!.id;
}

export async function seatsSold(db: Queryable, eventId: number): Promise<{ seats: number; sold: number }> {
  const { rows } = await db.query<{ seats: number; sold: string }>(
    'SELECT e.seats, (SELECT count(*) FROM bookings b WHERE b.event_id = e.id) AS sold FROM events e WHERE e.id = $1',
    [eventId],
  );
  return { seats: rows[0]!.seats, sold: Number(rows[0]!.sold) };
}

/** Payment, fraud checks…: the time between looking at the seats and taking one. */
export const thinkTime = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** Counts, thinks, inserts. Returns false when sold out. Not safe on its own (see above). */
export async function sellIfAvailable(db: Queryable, eventId: number, buyer: string, thinkMs: number, fence?: number): Promise<boolean> {
  const { seats, sold } = await seatsSold(db, eventId);
  if (sold >= seats) return false;
  await thinkTime(thinkMs);
  await db.query('INSERT INTO bookings (event_id, buyer, fence) VALUES ($1, $2, $3)', [eventId, buyer, fence ?? null]);
  return true;
}

/**
 * The fenced version: inside one transaction, the event row only accepts a token larger than any it
 * has seen. A client whose lease expired holds an older token and is refused here, at the resource,
 * even though it believes it still holds the lock.
 */
export async function sellIfAvailableFenced(pool: pg.Pool, eventId: number, buyer: string, thinkMs: number, fence: number): Promise<boolean | 'fenced'> {
  const { seats, sold } = await seatsSold(pool, eventId);
  if (sold >= seats) return false;
  await thinkTime(thinkMs);
  return bookFenced(pool, eventId, buyer, fence);
}

/**
 * The write half: claim the event row for this token, then count again before inserting. The fence
 * refuses a writer older than the last one; the recount covers the other order — a paused client that
 * wakes and writes *before* the new holder does is still the newest writer, so its write is accepted,
 * and the new holder must then see that seat gone (its own count, taken earlier, is stale too).
 */
export async function bookFenced(pool: pg.Pool, eventId: number, buyer: string, fence: number): Promise<boolean | 'fenced'> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Also row-locks the event until COMMIT, so the recount below cannot race another fenced writer.
    const claimed = await client.query('UPDATE events SET fence = $2 WHERE id = $1 AND fence < $2', [eventId, fence]);
    if (claimed.rowCount === 0) {
      await client.query('ROLLBACK');
      return 'fenced';
    }
    const { seats, sold } = await seatsSold(client, eventId);
    if (sold >= seats) {
      await client.query('ROLLBACK');
      return false;
    }
    await client.query('INSERT INTO bookings (event_id, buyer, fence) VALUES ($1, $2, $3)', [eventId, buyer, fence]);
    await client.query('COMMIT');
    return true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
