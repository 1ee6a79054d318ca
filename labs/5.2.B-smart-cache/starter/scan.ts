// Starter — exercise 4: walking and clearing a namespace with SCAN (never KEYS) and batched UNLINK.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';

/** Yields the keys matching `match`, one SCAN step at a time. */
// eslint-disable-next-line require-yield
export async function* scanKeys(_redis: RedisClient, _match: string, _count = 500): AsyncGenerator<string[]> {
  // For each server that holds keys (mastersOf(redis) from shared/redis-scan: the client, or every master
  // of a cluster): cursor '0' → SCAN cursor MATCH match COUNT count → yield the batch → until '0' again.
  throw new NotImplementedError('exercise 4: SCAN a pattern with a cursor loop (MATCH + COUNT)');
}

/** Deletes every key matching `match` with batched UNLINKs; returns how many were deleted. */
export async function scanDelete(_redis: RedisClient, _match: string, _batch = 500): Promise<number> {
  // UNLINK each batch with unlinkKeys (shared/redis-scan): on a cluster a multi-key UNLINK must stay in one slot.
  throw new NotImplementedError('exercise 4: delete a pattern with SCAN + batched UNLINK');
}
