// Starter — exercise 3. `npm run grade 5.2.2 -- --impl starter` shows what is left.
import { NotImplementedError } from '../../../shared/errors';
// Type-only (erased at run time): the shapes stay those of src/invalidate.ts.
import type { UpdateDeps, UpdateResult } from '../src/invalidate';
import type { ArticlePatch } from '../src/types';

export type { UpdateDeps, UpdateResult };

/**
 * 1. updateArticleRow(db, id, patch) (queries.ts): the transaction; null = no such article.
 * 2. cache.evict(...) exactly the entries whose content changed: the article (articleKey) always;
 *    the page header if title or tags changed, the body if the body did, related if the tags did.
 *    Report them as `evicted` only if evict returned true (false: Redis was unreachable, nothing deleted).
 * 3. bumpListVersion if a list shows what changed (title, tags).
 */
export async function updateArticle(_deps: UpdateDeps, _id: number, _patch: ArticlePatch): Promise<UpdateResult | null> {
  throw new NotImplementedError('exercise 3: update in a transaction, then evict exactly the affected entries and bump the list version');
}
