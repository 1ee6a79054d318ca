// Tags: every tag is a Redis sorted set of the data keys written with it (score = when the entry
// expires), written atomically with the value (set-tagged.lua, tag-write.ts). Invalidating a tag first
// detaches its set (tag-detach.ts), then deletes what the detached set names, a batch at a time, and
// removes each batch from it only after deleting it: a failure half-way leaves the rest for the next
// invalidation of that tag, never an entry nobody can find.
// On a Redis Cluster the members live in other slots than their tag set: the detach stays atomic (the
// set and its twin share the tag's slot), the members are unlinked one slot at a time (unlinkKeys).
import type { RedisClient } from '../../../shared/redis-client';
import { unlinkKeys } from '../../../shared/redis-scan';
import { detachTag } from './tag-detach';

/** Deletes every data key listed in the tag sets; returns how many data keys were deleted. */
export async function invalidateTags(redis: RedisClient, tagKeys: string[], batch = 500): Promise<number> {
  let deleted = 0;
  for (const tagKey of tagKeys) {
    const detached = await detachTag(redis, tagKey);
    for (;;) {
      const members = await redis.zrange(detached, 0, batch - 1);
      if (!members.length) break;
      deleted += await unlinkKeys(redis, members);
      await redis.zrem(detached, ...members);
    }
  }
  return deleted;
}
