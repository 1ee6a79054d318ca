// Starter — exercise 2: tag invalidation.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';

/** Deletes every key listed in the set at `tagKey` and the set itself; returns how many entries went. */
export async function invalidateTag(_redis: RedisClient, _tagKey: string): Promise<number> {
  // Take the set's members away atomically (hint: RENAME to a unique key that keeps the set's {hash tag}),
  // then UNLINK them and the set (shared/redis-scan's unlinkKeys works on a cluster too).
  // A tag with no set drops nothing and returns 0.
  throw new NotImplementedError('exercise 2: tag invalidation — drop every entry in the tag set, and the set');
}
