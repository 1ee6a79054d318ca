// Invalidation triggers: after a write commits, delete exactly the cache entries the policy table says
// the event invalidates — of the book written to, the review's writer and the book's author, nothing
// else. Review pages are found through their owner's page index (a set), so no SCAN and no pattern
// delete. One plan per owner: its keys share one {hash tag} (one slot) and one generation.
// apply-invalidation.ts runs a plan.
import { NotImplementedError } from '../../shared/errors';
import type { WriteEvent } from '../src/cache-policy';
import type { CacheKeys } from '../src/keys';

/** Whom a write concerns. */
export interface WriteSubjects {
  /** The book reviewed (for a vote: the book of the review voted on). */
  bookId: number;
  /** The review's writer (for a vote: whose helpful total moves). */
  reviewerId: number;
  /** The author of the book. */
  authorId: number;
}

export interface InvalidationPlan {
  /** The owner's generation key, bumped with the deletes: a load that started before is not stored. */
  generation: string;
  /** Entries to delete by name. */
  keys: string[];
  /** Index sets whose members (and the set itself) are deleted. */
  indexSets: string[];
}

/**
 * Exercise 2: which keys does `event` invalidate? Read it from CACHE_POLICIES: a resource whose
 * `invalidatedBy` lists the event loses its owner's entries — the book page, the reviewer's profile
 * and the author's profile by key; the book's and the reviewer's review pages through their index
 * sets. One plan per owner, in the order book, reviewer, author; an owner with nothing to drop has no
 * plan. Resources without an owner (book lists, leaderboards, metadata) are never in a plan.
 */
export function invalidationPlan(_event: WriteEvent, _subjects: WriteSubjects, _keys: CacheKeys): InvalidationPlan[] {
  throw new NotImplementedError('exercise 2: invalidationPlan');
}
