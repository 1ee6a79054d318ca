// Starter — exercise 3: tag invalidation. Writing the tag sets is given (src/tag-write.ts: the value and
// its tag sets in one Lua script), and so is detaching a tag set (src/tag-detach.ts).
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';

/** Deletes every data key listed in the tag sets; returns how many data keys went. */
export async function invalidateTags(_redis: RedisClient, _tagKeys: string[], _batch = 500): Promise<number> {
  // For each tag key: detachTag(redis, tagKey) (from '../src/tag-detach') moves the live set aside and
  // gives its key; then, until it is empty: ZRANGE detached 0 batch-1 → UNLINK those data keys (with
  // unlinkKeys from shared/redis-scan: on a cluster they live in other slots than the tag set) → ZREM
  // them from the detached set (after the UNLINK: a failure half-way then loses nothing).
  throw new NotImplementedError('exercise 3: invalidate by tag (detach the tag set, then ZRANGE in batches, UNLINK the members, ZREM them)');
}
