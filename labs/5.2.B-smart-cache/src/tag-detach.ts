// Step one of a tag invalidation (tag-detach.lua): the live tag set is moved aside atomically, so
// entries tagged while the invalidation runs land in a fresh set instead of being dropped with it.
import type { RedisClient } from '../../../shared/redis-client';
import { luaCommand } from '../../../shared/lua';

const TAG_DETACH = new URL('./tag-detach.lua', import.meta.url);

/** The detached twin of a tag set (same hash slot: the tag key holds its tag in braces). */
export const detachedKey = (tagKey: string): string => `${tagKey}:detached`;

/** Moves the tag set's members into its detached twin; returns the twin's key (empty if none). */
export async function detachTag(redis: RedisClient, tagKey: string): Promise<string> {
  const twin = detachedKey(tagKey);
  await luaCommand<number>(redis, 'sc_tagDetach', TAG_DETACH, 2)([tagKey, twin], []);
  return twin;
}
