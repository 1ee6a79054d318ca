// Starter — exercise 4: the write-behind flusher's apply and ack.
import type pg from 'pg';
import { NotImplementedError } from '../../../shared/errors';
import type { Flusher, QueuedWrite } from '../src/write-behind-types';

/**
 * Applies a batch in ONE transaction (a pool client): record each entry in write_behind_applied
 * (stream, entry_id) with ON CONFLICT DO NOTHING, and for the entries that were new run APPLY_ROW_IF_NEWER
 * (from ../src/catalog) with entry.row and entry.version — it changes nothing when the row is already newer.
 * Take locks in one order (ledger rows by entry id, then products by id) so two flushers never deadlock.
 * `applied` counts the rows actually updated; `skipped` the rest.
 */
export function applyBatch(_pool: pg.Pool, _stream: string): (batch: QueuedWrite[]) => Promise<{ applied: number; skipped: number }> {
  return async () => {
    throw new NotImplementedError('exercise 4a: write-behind apply — idempotent batch in one transaction');
  };
}

/** One round: claim orphaned entries (else read new ones), apply them, and only then XACK them. */
export function flushRound(_self: () => Flusher): (blockMs?: number) => Promise<number> {
  return async () => {
    throw new NotImplementedError('exercise 4b: write-behind flush — claim or read, apply, then ack');
  };
}
