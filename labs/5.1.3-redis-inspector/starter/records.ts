// Starter, exercises 3 and 4: the commands that read a key out (with its TTL) and write it back.
// src/batch.ts runs them, one MULTI … EXEC per key, a whole batch in one pipeline.
import { NotImplementedError } from '../../../shared/errors';
import type { ExportRecord } from '../src/record-format';
import type { Cmd } from '../src/records';

export type { Cmd };

/**
 * The commands that read a key of `type`: its value, then ['PTTL', key].
 * string GET · hash HGETALL · list LRANGE 0 -1 · set SMEMBERS · zset ZRANGE 0 -1 WITHSCORES ·
 * any other type (PORTABLE_TYPES in src/record-format.ts), or when `dump`: DUMP.
 */
export function readCommands(_key: Buffer, _type: string, _dump = false): Cmd[] {
  throw new NotImplementedError('exercise 3: readCommands — read the value of each type, then its PTTL');
}

/**
 * The record for the replies of readCommands ([value, pttl], values as Buffers), or null when the key
 * vanished (value null or an empty array, or PTTL -2). Binary values in base64 (toB64); hash and zset
 * replies are flat (field, value, … / member, score, …): pair them; keep zset scores as text.
 */
export function toRecord(_key: Buffer, _type: string, _dump: boolean, _replies: unknown[]): ExportRecord | null {
  throw new NotImplementedError('exercise 3: toRecord — turn the replies into a record');
}

/**
 * The commands that write a record back: ['DEL', key] first when replacing, then SET / HSET / RPUSH /
 * SADD / ZADD (score before member), then ['PEXPIRE', key, pttl] when pttl > 0.
 * A record with `dump`: one ['RESTORE', key, ttl or 0, payload, ('REPLACE')].
 */
export function writeCommands(_rec: ExportRecord, _replace = false): Cmd[] {
  throw new NotImplementedError('exercise 4: writeCommands — write a record back with its TTL');
}
