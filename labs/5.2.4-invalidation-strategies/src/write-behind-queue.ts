// Write-behind's queue: writes are appended to a Redis stream and a flusher, in a consumer group,
// applies them to Postgres. Nothing is lost, nothing is applied twice, and nothing old wins:
//  - an entry is XACKed only after the transaction that applied it committed (a crash before the ack
//    leaves it pending, and XAUTOCLAIM hands it to a live consumer);
//  - the same transaction records the stream entry id in write_behind_applied, so an entry that was
//    committed but not acked is recognised and skipped when it is delivered again;
//  - each entry carries the whole row and the version it produced, and Postgres takes it only over an
//    older version: an entry reclaimed late, or a batch another consumer commits after a newer one,
//    changes nothing;
//  - acked entries are trimmed from the stream and their ledger rows deleted (`trim`).
import type { RedisClient } from '../../../shared/redis-client';
import type pg from 'pg';
import { z } from 'zod';
import type { KeyBuilder } from '../../../shared/keys';
import { applyBatch, flushRound } from './write-behind-flush';
import type { Flusher, QueuedWrite } from './write-behind-types';

export type { Flusher, QueuedWrite } from './write-behind-types';

export const GROUP = 'flushers';

/**
 * Every write-behind key carries one hash tag: the write script touches an entry and the stream at once,
 * so on a cluster they must share a slot (one stream orders the whole namespace; shard by stream to scale).
 */
const TAG = 'write-behind';
export const queueKey = (keys: KeyBuilder) => keys.tagged('wb', TAG, 'queue');
export const entryKey = (keys: KeyBuilder) => (id: number) => keys.tagged('wb', TAG, 'product', id);

type RawEntry = [id: string, fields: string[]];

const rowSchema = z.object({ id: z.number().int(), name: z.string(), categoryId: z.number().int(), priceCents: z.number().int(), version: z.number().int() });

/** A stream entry, or undefined if it does not hold a valid row (it can never be applied). */
function parseEntry([entryId, fields]: RawEntry): QueuedWrite | undefined {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  try {
    const row = rowSchema.parse(JSON.parse(f.row ?? ''));
    return row.id === Number(f.productId) && row.version === Number(f.version) ? { entryId, productId: row.id, version: row.version, row } : undefined;
  } catch {
    return undefined;
  }
}

export interface FlusherOptions {
  redis: RedisClient;
  pool: pg.Pool;
  keys: KeyBuilder;
  /** This consumer's name in the group. */
  consumer: string;
  batchSize?: number;
  /** Entries pending longer than this on another consumer are presumed orphaned and claimed. */
  claimIdleMs?: number;
  /**
   * Replicas that must hold what the flusher read before it applies it (WAIT), as the writers' own
   * `durableReplicas`. Without it a flusher could apply an entry its master never replicated; after a
   * failover the promoted cache entry is then a version behind Postgres, and the next write (reusing
   * that version) would be skipped as old.
   */
  durableReplicas?: number;
  durableTimeoutMs?: number;
}

/** `ms-seq` → the next possible stream id, for XTRIM MINID (which keeps ids >= its argument). */
function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms}-${BigInt(seq ?? 0) + 1n}`;
}

export function createFlusher(opts: FlusherOptions): Flusher {
  const { redis, pool, keys, consumer } = opts;
  const stream = queueKey(keys);
  const batchSize = opts.batchSize ?? 100;
  const claimIdleMs = opts.claimIdleMs ?? 5000;
  const { durableReplicas = 0, durableTimeoutMs = 200 } = opts;
  /**
   * Delivering entries is a write (the group's state is replicated), so a WAIT right after it on this
   * connection returns once the replicas hold everything up to the entries read. The EXISTS routes the
   * pipeline to the stream's master on a cluster. Not replicated in time: nothing is applied; the
   * entries stay pending and are claimed again later.
   */
  const replicated = async (): Promise<void> => {
    if (durableReplicas <= 0) return;
    const replies = await redis.pipeline().exists(stream).wait(durableReplicas, durableTimeoutMs).exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('pipeline discarded');
    const acked = Number(replies[1]![1]);
    if (acked < durableReplicas) throw new Error(`entries read but not yet on ${durableReplicas} replica(s): not applied yet`);
  };
  /** Parses entries; one that cannot be parsed is acked at once rather than blocking the queue forever. */
  const parsed = async (raw: RawEntry[]): Promise<QueuedWrite[]> => {
    const out: QueuedWrite[] = [];
    const bad: string[] = [];
    for (const e of raw) {
      const w = parseEntry(e);
      if (w) out.push(w);
      else bad.push(e[0]);
    }
    if (bad.length) await redis.xack(stream, GROUP, ...bad);
    return out;
  };
  const flusher: Flusher = {
    consumer,
    stream,
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
      const raw = res?.[0]?.[1] ?? [];
      if (raw.length) await replicated();
      return parsed(raw);
    },
    async claimPending(minIdleMs = claimIdleMs, count = batchSize) {
      const out: QueuedWrite[] = [];
      let cursor = '0-0';
      do {
        // Redis 7 answers [next cursor, claimed entries, ids of entries deleted meanwhile].
        const [next, entries] = (await redis.xautoclaim(stream, GROUP, consumer, minIdleMs, cursor, 'COUNT', count)) as [string, RawEntry[], string[]];
        const live = entries.filter((e) => e && e[1]);
        if (live.length) await replicated();
        out.push(...(await parsed(live)));
        cursor = next;
      } while (cursor !== '0-0' && out.length < count);
      return out;
    },
    apply: applyBatch(pool, stream),
    async ack(batch) {
      return batch.length ? redis.xack(stream, GROUP, ...batch.map((e) => e.entryId)) : 0;
    },
    flushOnce: flushRound(() => flusher),
    async trim() {
      // Everything below the oldest pending entry, and up to the last delivered one, is acked: it is
      // never delivered again, so neither it nor its ledger row is needed. Entries delivered or acked
      // meanwhile only move that line forward, so reading it in two steps is safe.
      const group = await groupInfo(redis, stream);
      if (!group) return { trimmed: 0, pruned: 0 };
      let horizon = nextId(String(group['last-delivered-id']));
      if (Number(group.pending) > 0) {
        const [count, oldest] = (await redis.xpending(stream, GROUP)) as [number, string | null];
        if (count > 0 && oldest) horizon = oldest;
      }
      const trimmed = await redis.xtrim(stream, 'MINID', horizon);
      const [ms, seq] = horizon.split('-');
      const pruned = await pool.query(
        `DELETE FROM write_behind_applied WHERE stream = $1
           AND (split_part(entry_id, '-', 1)::numeric, split_part(entry_id, '-', 2)::numeric) < ($2::numeric, $3::numeric)`,
        [stream, ms, seq],
      );
      return { trimmed, pruned: pruned.rowCount ?? 0 };
    },
  };
  return flusher;
}

async function groupInfo(redis: RedisClient, stream: string): Promise<Record<string, string | number | null> | undefined> {
  if (!(await redis.exists(stream))) return undefined;
  const groups = (await redis.xinfo('GROUPS', stream)) as Array<Array<string | number | null>>;
  return groups.map(toRecord).find((g) => g.name === GROUP);
}

/** Pending (delivered, not acked) plus not yet delivered: what is still owed to Postgres. */
export async function backlog(redis: RedisClient, keys: KeyBuilder): Promise<number> {
  const stream = queueKey(keys);
  if (!(await redis.exists(stream))) return 0;
  const group = await groupInfo(redis, stream);
  // `lag` (entries not yet delivered, Redis 7.0+) with `pending` is the whole backlog; when Redis cannot
  // tell the lag (null), the stream's length is an upper bound.
  if (!group || group.lag === null || group.lag === undefined) return Number(await redis.xlen(stream));
  return Number(group.pending) + Number(group.lag);
}

function toRecord(flat: Array<string | number | null>): Record<string, string | number | null> {
  const r: Record<string, string | number | null> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) r[String(flat[i])] = flat[i + 1]!;
  return r;
}
