// Starter — exercise 4: the write-behind flusher's apply and ack.
import type pg from 'pg';
import { NotImplementedError } from '../../../shared/errors';
import type { Flusher, QueuedWrite } from '../src/write-behind-queue';

/**
 * Applies a batch in ONE transaction: for each entry, record entry.entryId in write_behind_applied
 * (ON CONFLICT DO NOTHING) and apply the patch (patchSql from ./catalog) only if the id was new.
 */
export function applyBatch(_pool: pg.Pool): (batch: QueuedWrite[]) => Promise<{ applied: number; skipped: number }> {
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
