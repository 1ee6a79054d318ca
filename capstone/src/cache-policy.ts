// THE cache policy table: every cacheable resource, in one place. What a reader can learn from one
// row: how long an entry is fresh, how long after that it may still be served while one request
// refreshes it (grace / stale-while-revalidate), whether a small in-process L1 sits in front of Redis,
// and which write events invalidate it. The invalidation triggers (invalidation.ts) and the cache
// (cache.ts) both read this table; nothing else hard-codes a TTL.

export type WriteEvent = 'review.created' | 'review.edited' | 'review.deleted' | 'vote.cast';

export type Resource = 'bookPage' | 'reviewPage' | 'bookList' | 'userProfile' | 'userReviewPage' | 'authorProfile' | 'leaderboard' | 'metadata';

export interface CachePolicy {
  /** Seconds an entry is fresh. */
  ttlSec: number;
  /** Seconds after ttl an entry may still be served (marked STALE) while one request refreshes it. */
  graceSec: number;
  /** In-process L1 in front of Redis: its lifetime bounds how stale another process can be after a write. */
  l1: false | { ttlMs: number; max: number };
  /** Write events that delete this resource's entries (only those of the book, reviewer and author written to). */
  invalidatedBy: WriteEvent[];
}

export const CACHE_POLICIES: Record<Resource, CachePolicy> = {
  // Book page = book + author + rating summary + first page of reviews: the hot read.
  bookPage: { ttlSec: 300, graceSec: 60, l1: { ttlMs: 1_000, max: 1_000 }, invalidatedBy: ['review.created', 'review.edited', 'review.deleted', 'vote.cast'] },
  // Later review pages: keyed by cursor, tracked per book so a write drops exactly that book's pages
  // (from every process's L1 too: the invalidation publishes the index's members).
  reviewPage: { ttlSec: 120, graceSec: 30, l1: { ttlMs: 1_000, max: 1_000 }, invalidatedBy: ['review.created', 'review.edited', 'review.deleted', 'vote.cast'] },
  // Browse/search first pages, keyed by the normalized filter: no write can name the lists it changes
  // (a rating moves a book in every list that holds it), so a short ttl is the staleness bound.
  bookList: { ttlSec: 30, graceSec: 30, l1: { ttlMs: 1_000, max: 200 }, invalidatedBy: [] },
  // A user's public profile (display name, review count, helpful total, newest reviews): their own
  // reviews change it, and so does a vote on one of them (the helpful total).
  userProfile: { ttlSec: 300, graceSec: 60, l1: false, invalidatedBy: ['review.created', 'review.edited', 'review.deleted', 'vote.cast'] },
  // A user's review pages, tracked per user like a book's: each review shows its helpful count, so votes count too.
  userReviewPage: { ttlSec: 120, graceSec: 30, l1: false, invalidatedBy: ['review.created', 'review.edited', 'review.deleted', 'vote.cast'] },
  // An author and their books' rating summaries: a review of any of their books changes one; a vote does not.
  authorProfile: { ttlSec: 300, graceSec: 60, l1: false, invalidatedBy: ['review.created', 'review.edited', 'review.deleted'] },
  // Leaderboard responses: the sorted sets are updated on every write, the rendered list may lag 10 s.
  leaderboard: { ttlSec: 10, graceSec: 20, l1: { ttlMs: 1_000, max: 50 }, invalidatedBy: [] },
  // External metadata: the long grace is the breaker's fallback ("last cached metadata"). Never
  // invalidated by a write, so an L1 spares the hot pages a Redis round trip each.
  metadata: { ttlSec: 600, graceSec: 7 * 86_400, l1: { ttlMs: 10_000, max: 5_000 }, invalidatedBy: [] },
};
// Private data (GET /me, sessions) is not in this table on purpose: it is never cached shared.

export type Freshness = 'fresh' | 'stale' | 'expired';

/**
 * Exercise 1: how fresh is an entry written at `storedAt` (ms) at time `now` under `policy`?
 * fresh until ttl, stale (servable while refreshing) until ttl + grace, expired after.
 */
export function freshness(policy: CachePolicy, storedAt: number, now: number): Freshness {
  const age = now - storedAt;
  if (age < policy.ttlSec * 1000) return 'fresh';
  if (age < (policy.ttlSec + policy.graceSec) * 1000) return 'stale';
  return 'expired';
}

/** Exercise 1: how long Redis keeps the entry (ms): fresh time plus grace, so stale entries can still be served. */
export function redisLifetimeMs(policy: CachePolicy): number {
  return (policy.ttlSec + policy.graceSec) * 1000;
}
