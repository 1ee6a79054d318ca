// Writing a tagged value: the SET and the tag sets' ZADDs in one Lua script (set-tagged.lua), so no
// value is ever in Redis without being in its tag sets, whatever fails or runs in between.
import type { Redis } from 'ioredis';
import { luaCommand } from '../../../shared/lua';
import { CacheKeyError } from './errors';

const SET_TAGGED = new URL('./set-tagged.lua', import.meta.url);

/** Tags one entry may carry (each is a key the write touches). */
export const MAX_TAGS_PER_ENTRY = 16;
/** Members a tag set may hold by default (live entries: expired ones are pruned as it fills). */
export const DEFAULT_MAX_TAG_MEMBERS = 10_000;

export function checkTagCount(tags: readonly string[]): void {
  if (tags.length > MAX_TAGS_PER_ENTRY) throw new CacheKeyError(`an entry takes at most ${MAX_TAGS_PER_ENTRY} tags, got ${tags.length}`);
}

/**
 * SET dataKey payload PX lifetime, and the data key into every tag set, atomically. False when a tag
 * set already holds `maxMembers` live entries: then nothing was written (the value is still served,
 * from L1 and the loader, but not shared through Redis until the set has room).
 */
export async function setTagged(redis: Redis, dataKey: string, tagKeys: string[], payload: string, lifetimeMs: number, maxMembers = DEFAULT_MAX_TAG_MEMBERS): Promise<boolean> {
  checkTagCount(tagKeys);
  // One script, defined once per number of tags (shared/lua.ts fixes a command's key count).
  const set = luaCommand<number>(redis, `sc_setTagged${tagKeys.length}`, SET_TAGGED, 1 + tagKeys.length);
  return (await set([dataKey, ...tagKeys], [payload, Math.max(1, Math.ceil(lifetimeMs)), maxMembers])) === 1;
}
