// SCAN, never KEYS: walking the keyspace in cursor steps keeps Redis answering other clients between
// steps, and deleting what was found with UNLINK in batches frees memory off the main thread.
import type { Redis } from 'ioredis';

/** Yields the keys matching `match`, one SCAN step (≈ `count` keys looked at) at a time. */
export async function* scanKeys(redis: Redis, match: string, count = 500): AsyncGenerator<string[]> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', count);
    cursor = next;
    if (keys.length) yield keys;
  } while (cursor !== '0');
}

/** Deletes every key matching `match` with batched UNLINKs; returns how many were deleted. */
export async function scanDelete(redis: Redis, match: string, batch = 500): Promise<number> {
  let deleted = 0;
  for await (const keys of scanKeys(redis, match, batch)) {
    for (let i = 0; i < keys.length; i += batch) deleted += await redis.unlink(...keys.slice(i, i + batch));
  }
  return deleted;
}
