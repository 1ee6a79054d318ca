// Starter — exercise 3: tag invalidation. indexTags (writing the tag sets) is given.
import type { Redis } from 'ioredis';
import { NotImplementedError } from '../../../shared/errors';
import { luaCommand } from '../../../shared/lua';

const TAG_INDEX = new URL('../src/tag-index.lua', import.meta.url);

/** Records `dataKey` under each tag key. */
export function indexTags(redis: Redis, tagKeys: string[], dataKey: string, lifetimeMs: number): Promise<unknown> {
  const add = luaCommand<number>(redis, 'sc_tagIndex', TAG_INDEX, 1);
  return Promise.all(tagKeys.map((t) => add([t], [dataKey, Math.max(1, Math.ceil(lifetimeMs))])));
}

/** Deletes every data key listed in the tag sets, then the sets; returns how many data keys went. */
export async function invalidateTags(_redis: Redis, _tagKeys: string[], _batch = 500): Promise<number> {
  // For each tag set: SSCAN it in batches (COUNT batch) and UNLINK the members found; then UNLINK the set.
  throw new NotImplementedError('exercise 3: invalidate by tag (SSCAN the tag set in batches, UNLINK members, then the set)');
}
