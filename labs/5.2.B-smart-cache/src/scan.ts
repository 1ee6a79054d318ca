// SCAN, never KEYS: walking the keyspace in cursor steps keeps Redis answering other clients between
// steps, and deleting what was found with UNLINK in batches frees memory off the main thread.
// On a Redis Cluster every master holds only its own slots: the walk visits each master in turn
// (mastersOf), and the UNLINKs go one slot at a time (unlinkKeys), as a multi-key command must there.
import type { RedisClient } from '../../../shared/redis-client';
import { mastersOf, unlinkKeys } from '../../../shared/redis-scan';

/** Yields the keys matching `match`, one SCAN step (≈ `count` keys looked at) at a time, master by master. */
export async function* scanKeys(redis: RedisClient, match: string, count = 500): AsyncGenerator<string[]> {
  for (const node of mastersOf(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length) yield keys;
    } while (cursor !== '0');
  }
}

/** Deletes every key matching `match` with batched UNLINKs; returns how many were deleted. */
export async function scanDelete(redis: RedisClient, match: string, batch = 500): Promise<number> {
  let deleted = 0;
  for await (const keys of scanKeys(redis, match, batch)) {
    for (let i = 0; i < keys.length; i += batch) deleted += await unlinkKeys(redis, keys.slice(i, i + batch));
  }
  return deleted;
}
