// Exercise 2's core: drop every entry in a tag set, and the set, without losing a fill that races it.
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../../shared/redis-client';
import { unlinkKeys } from '../../../shared/redis-scan';

/** Deletes every key listed in the set at `tagKey` and the set itself; returns how many entries went. */
export async function invalidateTag(redis: RedisClient, tagKey: string): Promise<number> {
  // RENAME first: it atomically takes the current members away, so a fill that lands while we delete
  // goes into a fresh set (and holds fresh data) instead of being dropped from the index unseen.
  const dropping = `${tagKey}:dropping:${randomBytes(4).toString('hex')}`;
  try {
    await redis.rename(tagKey, dropping);
  } catch (err) {
    if (/no such key/i.test((err as Error).message)) return 0;
    throw err;
  }
  const members = await redis.smembers(dropping);
  // One UNLINK on a single server; one per key on a cluster (the entries live in many slots).
  await unlinkKeys(redis, [...members, dropping]);
  return members.length;
}
