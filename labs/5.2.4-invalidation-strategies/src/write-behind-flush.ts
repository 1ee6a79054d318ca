// Exercise 4's core: apply a batch exactly once per entry, never over a newer row, and acknowledge only
// what was committed.
import type pg from 'pg';
import { APPLY_ROW_IF_NEWER } from './catalog';
import type { Flusher, QueuedWrite } from './write-behind-types';

/** Stream ids `ms-seq` in stream order. */
const byEntryId = (a: string, b: string) => {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
};

/**
 * Exercise 4a: apply a batch in one transaction, each entry at most once (the ledger) and only over an
 * older row (the version check), atomically with the record of having applied it.
 */
export function applyBatch(pool: pg.Pool, stream: string): (batch: QueuedWrite[]) => Promise<{ applied: number; skipped: number }> {
  return async (batch) => {
    if (!batch.length) return { applied: 0, skipped: 0 };
    const client = await pool.connect();
    let applied = 0;
    try {
      await client.query('BEGIN');
      // Locks are taken in one global order — ledger rows by entry id, then products by id — so two
      // flushers' transactions can wait on each other but never deadlock.
      const ids = [...new Set(batch.map((e) => e.entryId))].sort(byEntryId);
      // The ledger rows and the updates commit together or not at all: "recorded" means "applied".
      const { rows } = await client.query<{ entry_id: string }>(
        'INSERT INTO write_behind_applied (stream, entry_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING RETURNING entry_id',
        [stream, ids],
      );
      const fresh = new Set(rows.map((r) => r.entry_id)); // the others: applied by a consumer that died before its XACK
      const todo = batch.filter((e) => fresh.has(e.entryId)).sort((a, b) => a.productId - b.productId || a.version - b.version);
      for (const e of todo) {
        // An older version than the row's (reclaimed late, or another consumer's newer batch committed
        // first) updates nothing: the newer row already holds every change this one carried.
        const r = await client.query(APPLY_ROW_IF_NEWER, [e.productId, e.row.name, e.row.categoryId, e.row.priceCents, e.version]);
        applied += r.rowCount ?? 0;
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    return { applied, skipped: batch.length - applied };
  };
}

/** Exercise 4b: one flush round — orphans first, then new entries; ack only after the commit. */
export function flushRound(self: () => Flusher): (blockMs?: number) => Promise<number> {
  return async (blockMs) => {
    const f = self();
    const claimed = await f.claimPending();
    const batch = claimed.length ? claimed : await f.readNew(undefined, blockMs);
    if (!batch.length) return 0;
    await f.apply(batch);
    await f.ack(batch);
    return batch.length;
  };
}
