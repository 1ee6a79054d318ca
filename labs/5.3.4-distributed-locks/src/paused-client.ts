// The scenario fencing exists for. Client A takes the lock for seat 1 and then stalls (a GC pause, a
// swapped-out VM) longer than its lease. The lock expires; B takes it, assigns the seat and leaves.
// A wakes up still believing it holds the lock and writes. Without fencing, A's stale write silently
// overwrites B's; with fencing, the database refuses A's older token.
import type pg from 'pg';
import { waitFor } from '../../../harness/ports';
import type { KeyBuilder } from '../../../shared/keys';
import { createEvent } from './events-db';
import { NotOwnerError } from './errors';
import { RedisLock } from './lock';
import type { RedisClient } from '../../../shared/redis-client';

export interface PausedClientResult {
  fencing: boolean;
  /** Who holds seat 1 at the end. */
  holder: string;
  staleWriteAccepted: boolean;
  /** A's release after waking: its lease was gone. */
  releaseError: string | undefined;
  tokens: { a: number; b: number };
}

async function assignSeat(pg: pg.Pool, eventId: number, holder: string, fence: number, fenced: boolean): Promise<boolean> {
  const sql = fenced
    ? 'UPDATE seat_holders SET holder = $3, fence = $4 WHERE event_id = $1 AND seat = $2 AND fence < $4'
    : 'UPDATE seat_holders SET holder = $3, fence = $4 WHERE event_id = $1 AND seat = $2';
  return ((await pg.query(sql, [eventId, 1, holder, fence])).rowCount ?? 0) === 1;
}

export async function pausedClient(deps: { redis: RedisClient; pg: pg.Pool; keys: KeyBuilder }, fencing: boolean): Promise<PausedClientResult> {
  const eventId = await createEvent(deps.pg, 'paused client', 1);
  await deps.pg.query('INSERT INTO seat_holders (event_id, seat) VALUES ($1, 1)', [eventId]);
  const locks = new RedisLock(deps.redis, deps.keys);
  const resource = `seat:${eventId}:1`;

  const a = await locks.acquire(resource, { ttlMs: 100 });
  // A has checked the seat is free… and stalls. We wait until Redis has expired its lease.
  await waitFor(async () => (await deps.redis.exists(locks.lockKey(resource))) === 0, { what: "A's lease to expire", timeoutMs: 5_000 });

  const b = await locks.acquire(resource, { ttlMs: 5_000 });
  await assignSeat(deps.pg, eventId, 'B', b.fence, fencing);
  await b.release();

  // A wakes up and writes with the token it got before the pause.
  const staleWriteAccepted = await assignSeat(deps.pg, eventId, 'A', a.fence, fencing);
  const releaseError = await a.release().then(
    () => undefined,
    (err: unknown) => (err instanceof NotOwnerError ? err.message : String(err)),
  );
  const { rows } = await deps.pg.query<{ holder: string }>('SELECT holder FROM seat_holders WHERE event_id = $1 AND seat = 1', [eventId]);
  return { fencing, holder: rows[0]!.holder, staleWriteAccepted, releaseError, tokens: { a: a.fence, b: b.fence } };
}
