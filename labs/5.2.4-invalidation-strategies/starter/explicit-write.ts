// Starter — exercise 1: explicit delete. `npm run grade 5.2.4 -- --impl starter`.
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { Catalog } from '../src/catalog';
import type { ProductPatch } from '../src/product';

export function explicitWrite(_catalog: Catalog, _redis: RedisClient, _key: (id: number) => string): (id: number, patch: ProductPatch) => Promise<void> {
  return async () => {
    // Update the row with catalog.update, then remove the cache entry key(id). Which order, and why?
    throw new NotImplementedError('exercise 1: explicit delete — update Postgres, then delete the cache entry');
  };
}
