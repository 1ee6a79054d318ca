// The write-behind queue's shapes, in their own file so the queue and the flush exercise can both use
// them without importing each other.
import type { Product } from './product';

export interface QueuedWrite {
  /** The stream entry id: unique within its stream, and the idempotency key. */
  entryId: string;
  productId: number;
  /** The product version this write produced; Postgres applies it only over an older row. */
  version: number;
  /** The whole product after the write, so a newer entry carries every older change with it. */
  row: Product;
}

export interface Flusher {
  readonly consumer: string;
  /** The stream key: the ledger records entries per stream. */
  readonly stream: string;
  ensureGroup(): Promise<void>;
  /** XREADGROUP … > : new entries, now pending on this consumer until acked. */
  readNew(count?: number, blockMs?: number): Promise<QueuedWrite[]>;
  /** XAUTOCLAIM: takes over entries idle longer than `minIdleMs` on any consumer (a dead one). */
  claimPending(minIdleMs?: number, count?: number): Promise<QueuedWrite[]>;
  /** Applies a batch in ONE transaction, skipping entries already applied and rows already newer. */
  apply(batch: QueuedWrite[]): Promise<{ applied: number; skipped: number }>;
  ack(batch: QueuedWrite[]): Promise<number>;
  /** One round: claim orphans, read new entries, apply, ack. Returns how many entries it handled. */
  flushOnce(blockMs?: number): Promise<number>;
  /** Drops acked entries from the stream (XTRIM MINID) and their ledger rows: both stay bounded. */
  trim(): Promise<{ trimmed: number; pruned: number }>;
}
