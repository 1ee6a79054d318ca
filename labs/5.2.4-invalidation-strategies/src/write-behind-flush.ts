// Exercise 4's core: apply a batch exactly once per entry, and acknowledge only what was committed.
import type pg from 'pg';
import { patchSql } from './catalog';
import type { Flusher, QueuedWrite } from './write-behind-queue';

/** Exercise 4a: apply a batch exactly once per entry, atomically with the record of having applied it. */
export function applyBatch(pool: pg.Pool): (batch: QueuedWrite[]) => Promise<{ applied: number; skipped: number }> {
  return async (batch) => {
    if (!batch.length) return { applied: 0, skipped: 0 };
    const client = await pool.connect();
    let applied = 0;
    try {
      await client.query('BEGIN');
      for (const entry of batch) {
        // The ledger row and the update commit together or not at all: "recorded" means "applied".
        const fresh = await client.query('INSERT INTO write_behind_applied (entry_id) VALUES ($1) ON CONFLICT DO NOTHING', [entry.entryId]);
        if (fresh.rowCount === 0) continue; // applied by a consumer that died before its XACK
        const { set, values } = patchSql(entry.patch);
        await client.query(`UPDATE products SET ${set} WHERE id = $1`, [entry.productId, ...values]);
        applied++;
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
