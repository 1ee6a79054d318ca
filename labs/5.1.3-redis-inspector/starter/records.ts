// Starter, exercises 3 and 4: one key out to a record, one record back into a key, TTL included.
import type { Redis } from 'ioredis';
import { NotImplementedError } from '../../../shared/errors';
import type { ExportRecord } from '../src/record-format';

export interface ExportKeyOptions {
  /** Carry every type as a DUMP payload. */
  dump?: boolean;
}

/**
 * The key as a record (see src/record-format.ts: every binary value in base64, toB64), or null when it
 * no longer exists. TYPE first; then read the value AND its PTTL in one MULTI:
 * string GET · hash HGETALL (flat, with callBuffer) · list LRANGE 0 -1 · set SMEMBERS ·
 * zset ZRANGE 0 -1 WITHSCORES (scores kept as text) · any other type, or opts.dump: DUMP.
 * Use the *Buffer variants so binary values survive.
 */
export async function exportKey(_redis: Redis, _key: Buffer, _opts: ExportKeyOptions = {}): Promise<ExportRecord | null> {
  throw new NotImplementedError('exercise 3: exportKey — read one key of any type with its PTTL');
}

export interface ImportOptions {
  /** Overwrite keys that exist (default: leave them and count them as skipped). */
  replace?: boolean;
}

/**
 * Write one record back; 'skipped' when the key exists and replace is off. In ONE MULTI: (DEL when
 * replacing), the type's write command (SET / HSET / RPUSH / SADD / ZADD), then PEXPIRE when pttl > 0.
 * A `dump` record is RESTORE key ttl payload [REPLACE] (ttl 0 = none).
 */
export async function importRecord(_redis: Redis, _rec: ExportRecord, _opts: ImportOptions = {}): Promise<'written' | 'skipped'> {
  throw new NotImplementedError('exercise 4: importRecord — write one key with its TTL in one MULTI');
}
