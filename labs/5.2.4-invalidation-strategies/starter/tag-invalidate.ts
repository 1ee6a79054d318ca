// Starter — exercise 2: tag invalidation.
import type { Redis } from 'ioredis';
import { NotImplementedError } from '../../../shared/errors';

/** Deletes every key listed in the set at `tagKey` and the set itself; returns how many entries went. */
export async function invalidateTag(_redis: Redis, _tagKey: string): Promise<number> {
  // Take the set's members away atomically (hint: RENAME to a unique key), then UNLINK them and the set.
  // A tag with no set drops nothing and returns 0.
  throw new NotImplementedError('exercise 2: tag invalidation — drop every entry in the tag set, and the set');
}
