// Starter — exercise 4. `npm run grade 5.2.2 -- --impl starter` shows what is left.
import { NotImplementedError } from '../../../shared/errors';
// Type-only (erased at run time): the shapes stay those of src/page.ts.
import type { PageDeps } from '../src/page';
import type { ArticlePage } from '../src/types';

export type { PageDeps };

/**
 * One MGET of every componentKey (components.ts); load only the missing components (in parallel),
 * store each with SET EX COMPONENTS[name].ttlSec, count hits/misses under componentNs(name).
 * Null when the header loads as null (no such article). Redis errors: cache.degraded, load everything.
 */
export async function assemblePage(_deps: PageDeps, _id: number): Promise<ArticlePage | null> {
  throw new NotImplementedError('exercise 4: assemble the page from separately cached components (MGET + per-component TTL)');
}
