// Exercise 1's core: explicit delete. Write Postgres first, then delete the entry, so the next read
// misses and loads the new row. Delete, not set: two writers racing cannot leave the older value behind.
import type { RedisClient } from '../../../shared/redis-client';
import type { Catalog } from './catalog';
import type { ProductPatch } from './product';

export function explicitWrite(catalog: Catalog, redis: RedisClient, key: (id: number) => string): (id: number, patch: ProductPatch) => Promise<void> {
  return async (id, patch) => {
    // Order matters: delete after the commit. Deleting first lets a reader refill the old row in between.
    await catalog.update(id, patch);
    await redis.unlink(key(id));
  };
}
