// Starter — exercise 4. `npm run grade 5.2.2 -- --impl starter` shows what is left.
import type { KeyBuilder } from '../../../shared/keys';
import { NotImplementedError } from '../../../shared/errors';
import type { CacheLayer } from '../src/cache-layer';
import type { Queryable } from '../src/db';
import type { ArticlePage } from '../src/types';

export interface PageDeps {
  cache: CacheLayer;
  keys: KeyBuilder;
  db: Queryable;
}

/**
 * One MGET of every componentKey (components.ts); load only the missing components (in parallel),
 * store each with SET EX COMPONENTS[name].ttlSec, count hits/misses under componentNs(name).
 * Null when the header loads as null (no such article). Redis errors: cache.degraded, load everything.
 */
export async function assemblePage(_deps: PageDeps, _id: number): Promise<ArticlePage | null> {
  throw new NotImplementedError('exercise 4: assemble the page from separately cached components (MGET + per-component TTL)');
}
