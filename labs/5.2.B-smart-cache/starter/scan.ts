// Starter — exercise 4: walking and clearing a namespace with SCAN (never KEYS) and batched UNLINK.
import type { Redis } from 'ioredis';
import { NotImplementedError } from '../../../shared/errors';

/** Yields the keys matching `match`, one SCAN step at a time. */
// eslint-disable-next-line require-yield
export async function* scanKeys(_redis: Redis, _match: string, _count = 500): AsyncGenerator<string[]> {
  // cursor '0' → SCAN cursor MATCH match COUNT count → yield the batch → until the cursor is '0' again.
  throw new NotImplementedError('exercise 4: SCAN a pattern with a cursor loop (MATCH + COUNT)');
}

/** Deletes every key matching `match` with batched UNLINKs; returns how many were deleted. */
export async function scanDelete(_redis: Redis, _match: string, _batch = 500): Promise<number> {
  throw new NotImplementedError('exercise 4: delete a pattern with SCAN + batched UNLINK');
}
