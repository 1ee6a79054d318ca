// Write-behind's queue: writes are appended to a Redis stream and a flusher, in a consumer group,
// applies them to Postgres. Nothing is lost and nothing is applied twice:
//  - an entry is XACKed only after the transaction that applied it committed (a crash before the ack
//    leaves it pending, and XAUTOCLAIM hands it to a live consumer);
//  - the same transaction records the stream entry id in write_behind_applied, so an entry that was
//    committed but not acked is recognised and skipped when it is delivered again.
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { KeyBuilder } from '../../../shared/keys';
import { parsePatch, type ProductPatch } from './product';
import { applyBatch, flushRound } from './write-behind-flush';

export interface QueuedWrite {
  /** The stream entry id: unique, and the idempotency key. */
  entryId: string;
  productId: number;
  patch: ProductPatch;
}

export const GROUP = 'flushers';

export const queueKey = (keys: KeyBuilder) => keys.key('write-behind', 'queue');

/** The fields of a stream entry (XADD … productId 7 patch {"priceCents":1200}). */
export function queueFields(productId: number, patch: ProductPatch): string[] {
  return ['productId', String(productId), 'patch', JSON.stringify(patch)];
}

type RawEntry = [id: string, fields: string[]];

function parseEntry([entryId, fields]: RawEntry): QueuedWrite {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return { entryId, productId: Number(f.productId), patch: parsePatch(JSON.parse(f.patch ?? '{}')) };
}

export interface FlusherOptions {
  redis: Redis;
  pool: pg.Pool;
  keys: KeyBuilder;
  /** This consumer's name in the group. */
  consumer: string;
  batchSize?: number;
  /** Entries pending longer than this on another consumer are presumed orphaned and claimed. */
  claimIdleMs?: number;
}

export interface Flusher {
  readonly consumer: string;
  ensureGroup(): Promise<void>;
  /** XREADGROUP … > : new entries, now pending on this consumer until acked. */
  readNew(count?: number, blockMs?: number): Promise<QueuedWrite[]>;
  /** XAUTOCLAIM: takes over entries idle longer than `minIdleMs` on any consumer (a dead one). */
  claimPending(minIdleMs?: number, count?: number): Promise<QueuedWrite[]>;
  /** Applies a batch in ONE transaction, skipping entries already applied. */
  apply(batch: QueuedWrite[]): Promise<{ applied: number; skipped: number }>;
  ack(batch: QueuedWrite[]): Promise<number>;
  /** One round: claim orphans, read new entries, apply, ack. Returns how many entries it handled. */
  flushOnce(blockMs?: number): Promise<number>;
}

export function createFlusher(opts: FlusherOptions): Flusher {
  const { redis, pool, keys, consumer } = opts;
  const stream = queueKey(keys);
  const batchSize = opts.batchSize ?? 100;
  const claimIdleMs = opts.claimIdleMs ?? 5000;
  const flusher: Flusher = {
    consumer,
    async ensureGroup() {
      try {
        // From the start of the stream: writes queued before the first flusher ever ran are not skipped.
        await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
      } catch (err) {
        if (!/BUSYGROUP/.test((err as Error).message)) throw err;
      }
    },
    async readNew(count = batchSize, blockMs) {
      const res = (await (blockMs === undefined
        ? redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'STREAMS', stream, '>')
        : redis.xreadgroup('GROUP', GROUP, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, '>'))) as Array<[string, RawEntry[]]> | null;
      return (res?.[0]?.[1] ?? []).map(parseEntry);
    },
    async claimPending(minIdleMs = claimIdleMs, count = batchSize) {
      const out: QueuedWrite[] = [];
      let cursor = '0-0';
      do {
        // Redis 7 answers [next cursor, claimed entries, ids of entries deleted meanwhile].
        const [next, entries] = (await redis.xautoclaim(stream, GROUP, consumer, minIdleMs, cursor, 'COUNT', count)) as [string, RawEntry[], string[]];
        out.push(...entries.filter((e) => e && e[1]).map(parseEntry));
        cursor = next;
      } while (cursor !== '0-0' && out.length < count);
      return out;
    },
    apply: applyBatch(pool),
    async ack(batch) {
      return batch.length ? redis.xack(stream, GROUP, ...batch.map((e) => e.entryId)) : 0;
    },
    flushOnce: flushRound(() => flusher),
  };
  return flusher;
}

/** Pending (delivered, not acked) plus not yet delivered: what is still owed to Postgres. */
export async function backlog(redis: Redis, keys: KeyBuilder): Promise<number> {
  const stream = queueKey(keys);
  if (!(await redis.exists(stream))) return 0;
  const groups = (await redis.xinfo('GROUPS', stream)) as Array<Array<string | number>>;
  const group = groups.map(toRecord).find((g) => g.name === GROUP);
  const length = Number(await redis.xlen(stream));
  if (!group) return length;
  // `lag` (entries not yet delivered) is Redis 7.0+; with `pending` it is the whole backlog.
  return Number(group.pending) + Number(group.lag ?? 0);
}

function toRecord(flat: Array<string | number>): Record<string, string | number> {
  const r: Record<string, string | number> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) r[String(flat[i])] = flat[i + 1]!;
  return r;
}
