// Exercises 3 and 4: which commands read a key of each type out (with its TTL), and which write a
// record back (with its TTL). Pure functions: src/batch.ts runs them, one MULTI … EXEC per key so the
// value and its TTL belong to the same moment on the way out and appear together on the way in.
import { fromB64, PORTABLE_TYPES, toB64, type ExportRecord } from './record-format';

/** One Redis command: name then arguments. */
export type Cmd = [string, ...Array<string | number | Buffer>];

/**
 * The commands that read a key of `type`: its value, then its PTTL. Every type but the five core ones
 * (or all of them when `dump`) is read with DUMP.
 */
export function readCommands(key: Buffer, type: string, dump = false): Cmd[] {
  const read: Cmd =
    dump || !PORTABLE_TYPES.has(type)
      ? ['DUMP', key]
      : type === 'string'
        ? ['GET', key]
        : type === 'hash'
          ? ['HGETALL', key] // flat: field, value, field, value…
          : type === 'list'
            ? ['LRANGE', key, 0, -1]
            : type === 'set'
              ? ['SMEMBERS', key]
              : ['ZRANGE', key, 0, -1, 'WITHSCORES']; // flat: member, score… (score as text: exact)
  return [read, ['PTTL', key]];
}

/** The record for the replies of readCommands (as Buffers), or null when the key vanished meanwhile. */
export function toRecord(key: Buffer, type: string, dump: boolean, replies: unknown[]): ExportRecord | null {
  const [raw, ttl] = replies as [Buffer | Buffer[] | null, number];
  if (raw === null || ttl === -2 || (Array.isArray(raw) && raw.length === 0)) return null;
  const base = { key: toB64(key), pttl: Number(ttl) };
  if (dump || !PORTABLE_TYPES.has(type)) return { ...base, type, dump: toB64(raw as Buffer) };
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

/** Big collections go in several commands (inside the same MULTI), to keep each command reasonable. */
const CHUNK = 1_000;

/**
 * The commands that write a record back: DEL first when replacing (the key may hold another type),
 * the type's write command(s), then PEXPIRE when the record had a TTL. A DUMP record is one RESTORE,
 * which takes the TTL itself (0 = none) and REPLACE.
 */
export function writeCommands(rec: ExportRecord, replace = false): Cmd[] {
  const key = fromB64(rec.key);
  if ('dump' in rec) return [['RESTORE', key, Math.max(0, rec.pttl), fromB64(rec.dump), ...(replace ? ['REPLACE'] : [])]];
  const cmds: Cmd[] = replace ? [['DEL', key]] : [];
  if (rec.type === 'string') cmds.push(['SET', key, fromB64(rec.value)]);
  else if (rec.type === 'hash') for (const part of chunks(rec.value)) cmds.push(['HSET', key, ...part.flatMap(([f, v]) => [fromB64(f), fromB64(v)])]);
  else if (rec.type === 'list') for (const part of chunks(rec.value)) cmds.push(['RPUSH', key, ...part.map(fromB64)]);
  else if (rec.type === 'set') for (const part of chunks(rec.value)) cmds.push(['SADD', key, ...part.map(fromB64)]);
  else for (const part of chunks(rec.value)) cmds.push(['ZADD', key, ...part.flatMap(([m, score]) => [score, fromB64(m)])]);
  if (rec.pttl > 0) cmds.push(['PEXPIRE', key, rec.pttl]);
  return cmds;
}

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}
