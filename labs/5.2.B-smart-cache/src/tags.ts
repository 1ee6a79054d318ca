// Tags: every tag is a Redis set of the data keys written with it. Invalidating a tag deletes what the
// set names, then the set itself. Sets live as long as their longest entry (tag-index.lua).
import type { Redis } from 'ioredis';
import { luaCommand } from '../../../shared/lua';

const TAG_INDEX = new URL('./tag-index.lua', import.meta.url);

/** Records `dataKey` under each tag key. */
export function indexTags(redis: Redis, tagKeys: string[], dataKey: string, lifetimeMs: number): Promise<unknown> {
  const add = luaCommand<number>(redis, 'sc_tagIndex', TAG_INDEX, 1);
  return Promise.all(tagKeys.map((t) => add([t], [dataKey, Math.max(1, Math.ceil(lifetimeMs))])));
}

/**
 * Deletes every data key listed in the tag sets (SSCAN in batches + UNLINK), then the sets.
 * Returns how many data keys were deleted.
 */
export async function invalidateTags(redis: Redis, tagKeys: string[], batch = 500): Promise<number> {
  let deleted = 0;
  for (const tagKey of tagKeys) {
    let cursor = '0';
    do {
      const [next, members] = await redis.sscan(tagKey, cursor, 'COUNT', batch);
      cursor = next;
      if (members.length) deleted += await redis.unlink(...members);
    } while (cursor !== '0');
    await redis.unlink(tagKey);
  }
  return deleted;
}
