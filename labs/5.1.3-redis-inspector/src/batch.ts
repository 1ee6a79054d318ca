// Export and import a batch of keys in two round trips: one pipeline of TYPE (or EXISTS), then one
// pipeline holding a MULTI … EXEC block per key with the commands of src/records.ts. Each block is
// atomic (value and TTL together); the pipeline makes the whole batch cost one round trip. On a Redis
// Cluster a batch is split by the master that holds each key (src/nodes.ts): one pipeline per master.
import type { Redis } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import { byMaster } from './nodes';
import type { ExportRecord } from './record-format';
import { readCommands, toRecord, writeCommands, type Cmd } from './records';

/** Runs each group of commands in its own MULTI … EXEC, all groups in one pipeline; EXEC's replies per group. */
async function transactions(redis: Redis, groups: Cmd[][]): Promise<Array<Array<unknown>>> {
  if (!groups.length) return [];
  const pipe = redis.pipeline();
  for (const cmds of groups) {
    pipe.call('MULTI');
    for (const [name, ...args] of cmds) pipe.callBuffer(name, ...args);
    pipe.callBuffer('EXEC');
  }
  const replies = (await pipe.exec()) ?? [];
  const out: Array<Array<unknown>> = [];
  let i = 0;
  for (const cmds of groups) {
    i += 1 + cmds.length; // MULTI's OK and the QUEUED replies
    const [err, exec] = replies[i++]!;
    if (err) throw err; // EXECABORT: a command was rejected while queuing (bad arguments)
    out.push(exec as unknown[]);
  }
  return out;
}

export interface ExportKeysOptions {
  /** Carry every type as a DUMP payload (exact and fast, but only for the same or a newer Redis). */
  dump?: boolean;
}

/** A record per key (null for keys that no longer exist), in the order given. */
export async function exportKeys(redis: RedisClient, keys: Buffer[], opts: ExportKeysOptions = {}): Promise<Array<ExportRecord | null>> {
  const out: Array<ExportRecord | null> = new Array(keys.length).fill(null);
  const groups = await byMaster(redis, keys.map((key, i) => ({ key, i })), (k) => k.key);
  await Promise.all(
    groups.map(async ([node, items]) => {
      const records = await exportFromServer(node, items.map((k) => k.key), opts);
      items.forEach((k, j) => (out[k.i] = records[j]!));
    }),
  );
  return out;
}

/** exportKeys on one server, which holds every key given. */
async function exportFromServer(redis: Redis, keys: Buffer[], opts: ExportKeysOptions): Promise<Array<ExportRecord | null>> {
  const out: Array<ExportRecord | null> = new Array(keys.length).fill(null);
  let todo = keys.map((_, i) => i);
  // a key whose type changed between TYPE and EXEC answers WRONGTYPE: read it again (a few times)
  for (let attempt = 0; attempt < 3 && todo.length; attempt++) {
    const typePipe = redis.pipeline();
    for (const i of todo) typePipe.type(keys[i]!);
    const types = ((await typePipe.exec()) ?? []).map(([, t]) => String(t));
    const live = todo.filter((_, j) => types[j] !== 'none');
    const liveTypes = types.filter((t) => t !== 'none');
    const execs = await transactions(
      redis,
      live.map((i, j) => readCommands(keys[i]!, liveTypes[j]!, opts.dump)),
    );
    const retry: number[] = [];
    live.forEach((i, j) => {
      const replies = execs[j];
      if (!replies) return; // EXEC returned nil: nothing to read
      const failed = replies.find((r) => r instanceof Error) as Error | undefined;
      if (failed) {
        if (!/WRONGTYPE/.test(failed.message)) throw failed;
        retry.push(i);
        return;
      }
      out[i] = toRecord(keys[i]!, liveTypes[j]!, Boolean(opts.dump), replies);
    });
    todo = retry;
  }
  return out;
}

/** One key (for tests and small jobs). */
export async function exportKey(redis: RedisClient, key: Buffer, opts: ExportKeysOptions = {}): Promise<ExportRecord | null> {
  return (await exportKeys(redis, [key], opts))[0]!;
}

export interface ImportOptions {
  /** Overwrite keys that exist (default: leave them and count them as skipped). */
  replace?: boolean;
}

/**
 * Writes the records; without replace, keys that exist are skipped (checked with one EXISTS pipeline:
 * a key created by someone else between that check and our write would be merged into).
 */
export async function importRecords(redis: RedisClient, records: ExportRecord[], opts: ImportOptions = {}): Promise<{ written: number; skipped: number }> {
  const groups = await byMaster(redis, records, (r) => Buffer.from(r.key, 'base64'));
  const counts = await Promise.all(groups.map(([node, recs]) => importToServer(node, recs, opts)));
  return counts.reduce((a, b) => ({ written: a.written + b.written, skipped: a.skipped + b.skipped }), { written: 0, skipped: 0 });
}

/** importRecords on one server, which serves every key given. */
async function importToServer(redis: Redis, records: ExportRecord[], opts: ImportOptions): Promise<{ written: number; skipped: number }> {
  let todo = records;
  if (!opts.replace && records.length) {
    const pipe = redis.pipeline();
    for (const r of records) pipe.exists(Buffer.from(r.key, 'base64'));
    const exists = ((await pipe.exec()) ?? []).map(([, n]) => Number(n) > 0);
    todo = records.filter((_, i) => !exists[i]);
  }
  const execs = await transactions(
    redis,
    todo.map((r) => writeCommands(r, opts.replace)),
  );
  for (const replies of execs) {
    const failed = replies?.find((r) => r instanceof Error);
    if (failed) throw failed;
  }
  return { written: todo.length, skipped: records.length - todo.length };
}

/** One record (for tests and small jobs). */
export async function importRecord(redis: RedisClient, rec: ExportRecord, opts: ImportOptions = {}): Promise<'written' | 'skipped'> {
  return (await importRecords(redis, [rec], opts)).written ? 'written' : 'skipped';
}
