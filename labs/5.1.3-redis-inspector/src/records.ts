// Exercises 3 and 4: one key out to a record, one record back into a key, TTL included.
// Read the value and its PTTL in one MULTI so both describe the same moment; write the value and its
// PEXPIRE in one MULTI so no reader ever sees the key without its TTL (or half-built).
import type { Redis } from 'ioredis';
import { fromB64, PORTABLE_TYPES, toB64, type ExportRecord } from './record-format';

export interface ExportKeyOptions {
  /** Carry every type as a DUMP payload (exact and fast, but only for the same or a newer Redis). */
  dump?: boolean;
}

/** The key as a record, or null when it no longer exists. */
export async function exportKey(redis: Redis, key: Buffer, opts: ExportKeyOptions = {}, attempt = 0): Promise<ExportRecord | null> {
  const type = await redis.type(key);
  if (type === 'none') return null;
  const useDump = opts.dump || !PORTABLE_TYPES.has(type);
  const m = redis.multi();
  if (useDump) m.dumpBuffer(key);
  else if (type === 'string') m.getBuffer(key);
  else if (type === 'hash') m.callBuffer('HGETALL', key); // flat field, value… (hgetallBuffer would turn fields into JS strings)
  else if (type === 'list') m.lrangeBuffer(key, 0, -1);
  else if (type === 'set') m.smembersBuffer(key);
  else m.zrangeBuffer(key, 0, -1, 'WITHSCORES');
  m.pttl(key);
  const [[readErr, raw], [, ttl]] = (await m.exec()) as [[Error | null, unknown], [Error | null, number]];
  if (readErr) {
    // WRONGTYPE: the key was replaced by another type between TYPE and MULTI; read it again
    if (/WRONGTYPE/.test(readErr.message) && attempt < 3) return exportKey(redis, key, opts, attempt + 1);
    throw readErr;
  }
  if (raw === null || ttl === -2 || (Array.isArray(raw) && raw.length === 0)) return null; // expired meanwhile
  const base = { key: toB64(key), pttl: ttl };
  if (useDump) return { ...base, type, dump: toB64(raw as Buffer) };
  switch (type) {
    case 'string':
      return { ...base, type, value: toB64(raw as Buffer) };
    case 'list':
      return { ...base, type, value: (raw as Buffer[]).map(toB64) };
    case 'set':
      return { ...base, type, value: (raw as Buffer[]).map(toB64) };
    case 'hash':
      return { ...base, type, value: pairs(raw as Buffer[]).map(([f, v]) => [toB64(f), toB64(v)]) };
    default:
      return { ...base, type: 'zset', value: pairs(raw as Buffer[]).map(([m, s]) => [toB64(m), s.toString()]) };
  }
}

function pairs(flat: Buffer[]): Array<[Buffer, Buffer]> {
  const out: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

export interface ImportOptions {
  /** Overwrite keys that exist (default: leave them and count them as skipped). */
  replace?: boolean;
}

/** Big collections go in several commands inside the same MULTI, to keep each command reasonable. */
const CHUNK = 1_000;

/** Writes one record; 'skipped' when the key exists and replace is off. */
export async function importRecord(redis: Redis, rec: ExportRecord, opts: ImportOptions = {}): Promise<'written' | 'skipped'> {
  const key = fromB64(rec.key);
  if (!opts.replace && (await redis.exists(key))) return 'skipped';
  const m = redis.multi();
  if ('dump' in rec) {
    // RESTORE takes the TTL itself (0 = none) and REPLACE replaces any type
    if (opts.replace) m.restore(key, Math.max(0, rec.pttl), fromB64(rec.dump), 'REPLACE');
    else m.restore(key, Math.max(0, rec.pttl), fromB64(rec.dump));
  } else {
    if (opts.replace) m.del(key);
    if (rec.type === 'string') m.set(key, fromB64(rec.value));
    else if (rec.type === 'hash') for (const part of chunks(rec.value)) m.hset(key, ...part.flatMap(([f, v]) => [fromB64(f), fromB64(v)]));
    else if (rec.type === 'list') for (const part of chunks(rec.value)) m.rpush(key, ...part.map(fromB64));
    else if (rec.type === 'set') for (const part of chunks(rec.value)) m.sadd(key, ...part.map(fromB64));
    else for (const part of chunks(rec.value)) m.zadd(key, ...part.flatMap(([mem, score]) => [score, fromB64(mem)]));
    if (rec.pttl > 0) m.pexpire(key, rec.pttl);
  }
  const results = (await m.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
  return 'written';
}

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}
