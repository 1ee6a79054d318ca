// Tag sets: every cache fill adds its key to one Redis set per tag (`tag:{category:7}`), in the same MULTI
// as the SET, so an entry never exists without being findable. Invalidating a tag drops every key in it.
// On a Redis Cluster the entries and their tag sets live in different slots, and no MULTI spans slots:
// there the SET goes first and the SADDs right after (a fill that lands during an invalidation still
// ends up in the fresh set); only a crash between the two leaves an entry unindexed, until its TTL.
import { Cluster } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import type { KeyBuilder } from '../../../shared/keys';
import { invalidateTag } from './tag-invalidate';

export interface TagIndex {
  tagKey(tag: string): string;
  /** SET key value PX + SADD it to every tag's set, atomically. */
  fill(key: string, value: string, pxMs: number, tags: string[]): Promise<void>;
  /** Deletes every entry tagged `tag` and the tag set itself; returns how many entries were dropped. */
  invalidate(tag: string): Promise<number>;
}

export function createTagIndex(redis: RedisClient, keys: KeyBuilder): TagIndex {
  // The tag is the set's {hash tag}: invalidateTag's RENAME target (`<set>:dropping:…`) shares its slot.
  const tagKey = (tag: string) => keys.tagged('tag', tag);
  return {
    tagKey,
    async fill(key, value, pxMs, tags) {
      if (redis instanceof Cluster) {
        await redis.set(key, value, 'PX', pxMs);
        await Promise.all(tags.map((tag) => redis.multi().sadd(tagKey(tag), key).pexpire(tagKey(tag), pxMs).exec()));
        return;
      }
      const tx = redis.multi().set(key, value, 'PX', pxMs);
      // The set lives as long as its longest member could, so it never outlives what it indexes by much.
      for (const tag of tags) tx.sadd(tagKey(tag), key).pexpire(tagKey(tag), pxMs);
      await tx.exec();
    },
    invalidate: (tag) => invalidateTag(redis, tagKey(tag)),
  };
}
