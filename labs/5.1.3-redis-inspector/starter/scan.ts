// Starter, exercise 1: walk the keyspace with SCAN, describe each batch in one pipeline.
// `npm run grade 5.1.3 -- --impl starter` shows what is left.
import type { Redis } from 'ioredis';
import { NotImplementedError } from '../../../shared/errors';

import type { KeyInfo, ScanOptions } from '../src/scan';

export type { KeyInfo, ScanOptions };

/**
 * Yield one batch per SCAN call until the cursor comes back to "0" (never KEYS: it blocks the server).
 * Use MATCH pattern and COUNT; drop keys already yielded (SCAN may repeat a key while Redis rehashes).
 */
// eslint-disable-next-line require-yield
export async function* scanKeys(_redis: Redis, _pattern: string, _opts: ScanOptions = {}): AsyncGenerator<string[]> {
  throw new NotImplementedError('exercise 1: scanKeys — the SCAN cursor loop with MATCH and COUNT');
}

/**
 * TYPE, PTTL and MEMORY USAGE (with SAMPLES when given) for every key, all in ONE pipeline.
 * Leave out keys that no longer exist (TYPE "none").
 */
export async function inspectKeys(_redis: Redis, _keys: string[], _samples?: number): Promise<KeyInfo[]> {
  throw new NotImplementedError('exercise 1: inspectKeys — TYPE / PTTL / MEMORY USAGE for a batch in one pipeline');
}
