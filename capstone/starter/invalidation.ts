// Invalidation triggers: after a write commits, delete exactly the cache entries the policy table says
// the event invalidates — for the one book written to, nothing else. Review pages are found through
// the book's page index (a set), so no SCAN and no pattern delete. apply-invalidation.ts runs a plan.
import { NotImplementedError } from '../../shared/errors';
import type { WriteEvent } from '../src/cache-policy';
import type { CacheKeys } from '../src/keys';

export interface InvalidationPlan {
  /** Entries to delete by name. */
  keys: string[];
  /** Index sets whose members (and the set itself) are deleted. */
  indexSets: string[];
}

/**
 * Exercise 2: which keys does `event` on book `bookId` invalidate? Read it from CACHE_POLICIES: a
 * resource whose `invalidatedBy` lists the event loses that book's entries — the book page by key,
 * the review pages through their index set. Resources not keyed by book (leaderboards, metadata) are
 * never in a plan.
 */
export function invalidationPlan(_event: WriteEvent, _bookId: number, _keys: CacheKeys): InvalidationPlan {
  throw new NotImplementedError('exercise 2: invalidationPlan');
}
