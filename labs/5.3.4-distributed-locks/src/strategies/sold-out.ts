import type pg from 'pg';
import { seatsSold } from '../events-db';

/**
 * A cheap look before queueing for the lock: once the event is sold out, buyers are refused without
 * taking the lock at all. It is only a shortcut — the check inside the lock is the one that counts.
 */
export async function soldOut(db: Pick<pg.Pool, 'query'>, eventId: number): Promise<boolean> {
  const { seats, sold } = await seatsSold(db, eventId);
  return sold >= seats;
}
