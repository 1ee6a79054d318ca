// Tag sets: every cache fill adds its key to one Redis set per tag (`tag:category:7`), in the same MULTI
// as the SET, so an entry never exists without being findable. Invalidating a tag drops every key in it.
import type { Redis } from 'ioredis';
import type { KeyBuilder } from '../../../shared/keys';
import { invalidateTag } from './tag-invalidate';

export interface TagIndex {
  tagKey(tag: string): string;
  /** SET key value PX + SADD it to every tag's set, atomically. */
  fill(key: string, value: string, pxMs: number, tags: string[]): Promise<void>;
  /** Deletes every entry tagged `tag` and the tag set itself; returns how many entries were dropped. */
  invalidate(tag: string): Promise<number>;
}

export function createTagIndex(redis: Redis, keys: KeyBuilder): TagIndex {
  const tagKey = (tag: string) => keys.key('tag', tag);
  return {
    tagKey,
    async fill(key, value, pxMs, tags) {
      const tx = redis.multi().set(key, value, 'PX', pxMs);
      // The set lives as long as its longest member could, so it never outlives what it indexes by much.
      for (const tag of tags) tx.sadd(tagKey(tag), key).pexpire(tagKey(tag), pxMs);
      await tx.exec();
    },
    invalidate: (tag) => invalidateTag(redis, tagKey(tag)),
  };
}
