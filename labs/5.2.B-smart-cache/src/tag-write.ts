// Writing a tagged value. On one Redis: the SET and the tag sets' ZADDs in one Lua script
// (set-tagged.lua), so no value is ever in Redis without being in its tag sets, whatever fails or runs
// in between. On a Redis Cluster the value and each tag set hash to their own slots and no script can
// span them, so the same promise is kept in three steps (setTaggedAcrossSlots).
import { Cluster } from 'ioredis';
import { luaCommand } from '../../../shared/lua';
import type { RedisClient } from '../../../shared/redis-client';
import { CacheKeyError } from './errors';

const SET_TAGGED = new URL('./set-tagged.lua', import.meta.url);
const TAG_ADD = new URL('./tag-add.lua', import.meta.url);

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
export async function setTagged(redis: RedisClient, dataKey: string, tagKeys: string[], payload: string, lifetimeMs: number, maxMembers = DEFAULT_MAX_TAG_MEMBERS): Promise<boolean> {
  checkTagCount(tagKeys);
  const lifetime = Math.max(1, Math.ceil(lifetimeMs));
  if (redis instanceof Cluster) return setTaggedAcrossSlots(redis, dataKey, tagKeys, payload, lifetime, maxMembers);
  // One script, defined once per number of tags (shared/lua.ts fixes a command's key count).
  const set = luaCommand<number>(redis, `sc_setTagged${tagKeys.length}`, SET_TAGGED, 1 + tagKeys.length);
  return (await set([dataKey, ...tagKeys], [payload, lifetime, maxMembers])) === 1;
}

/**
 * The cluster's way (keys in different slots): 1. the key into every tag set (tag-add.lua, one slot
 * each), 2. SET the value, 3. check the key is still in every live tag set. An invalidation detaches a
 * tag set atomically, then deletes what the detached set names. If it detached between 1 and 3, its
 * deletes may have run before our SET: step 3 sees the key gone from the live set and deletes the value
 * itself. If it detached after 3, it detached after our SET, so its deletes remove the value. Either way
 * no value outlives an invalidation of its tags by more than this write's last round trip. A failure
 * between 1 and 2 leaves only a tag member naming no value (harmless; pruned when it would expire).
 */
async function setTaggedAcrossSlots(redis: Cluster, dataKey: string, tagKeys: string[], payload: string, lifetime: number, maxMembers: number): Promise<boolean> {
  const add = luaCommand<number>(redis, 'sc_tagAdd', TAG_ADD, 1);
  const added = await Promise.all(tagKeys.map((tagKey) => add([tagKey], [dataKey, lifetime, maxMembers])));
  if (added.includes(0)) return false; // a full tag set: no value (the members added elsewhere name nothing)
  await redis.set(dataKey, payload, 'PX', lifetime);
  const still = await Promise.all(tagKeys.map((tagKey) => redis.zscore(tagKey, dataKey)));
  if (still.includes(null)) await redis.unlink(dataKey); // an invalidation ran in between: it wins
  return true;
}
