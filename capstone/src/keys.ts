// Every Redis key the capstone's cache and boards use, from the context's key builder. A book's cache
// entries share the book's {hash tag}, so on a cluster one book's invalidation touches one slot. The
// boards share one {boards} tag: a rebuild swaps them all in one MULTI (RENAME needs one slot too).
import type { KeyBuilder } from '../../shared/keys';

export interface CacheKeys {
  bookPage(bookId: number): string;
  reviewPage(bookId: number, cursor: string, limit: number): string;
  /** The set of one book's cached review-page keys: what a write to that book deletes. */
  reviewPagesIndex(bookId: number): string;
  /** Bumped by every invalidation of the book: a load that started before it is not stored. */
  bookGeneration(bookId: number): string;
  leaderboard(name: string, limit: number): string;
  metadata(bookId: number): string;
  topRated: string;
  topRatedVersions: string;
  reviewedWeek(week: number): string;
  /** zset user id → helpful votes received on all their reviews. */
  topReviewers: string;
}

export function cacheKeys(keys: KeyBuilder): CacheKeys {
  return {
    bookPage: (id) => keys.tagged('book', id, 'page'),
    reviewPage: (id, cursor, limit) => keys.tagged('book', id, 'reviews', cursor || 'first', limit),
    reviewPagesIndex: (id) => keys.tagged('book', id, 'review-pages'),
    bookGeneration: (id) => keys.tagged('book', id, 'gen'),
    leaderboard: (name, limit) => keys.key('list', name, limit),
    metadata: (id) => keys.key('metadata', id),
    topRated: keys.tagged('board', 'boards', 'top-rated'),
    topRatedVersions: keys.tagged('board', 'boards', 'top-rated', 'versions'),
    reviewedWeek: (week) => keys.tagged('board', 'boards', 'reviewed-week', week),
    topReviewers: keys.tagged('board', 'boards', 'top-reviewers'),
  };
}
