// Every Redis key the capstone's cache and boards use, from the context's key builder. A book's cache
// entries share the book's {hash tag} (a user's the user's, an author's the author's), so on a cluster
// each owner's invalidation touches one slot. The boards share one {boards} tag: a rebuild swaps them
// all in one MULTI (RENAME needs one slot too).
import type { KeyBuilder } from '../../shared/keys';

export interface CacheKeys {
  bookPage(bookId: number): string;
  reviewPage(bookId: number, cursor: string, limit: number): string;
  /** The set of one book's cached review-page keys: what a write to that book deletes. */
  reviewPagesIndex(bookId: number): string;
  /** Bumped by every invalidation of the book: a load that started before it is not stored. */
  bookGeneration(bookId: number): string;
  /** A user's public profile; every key of one user shares the user's {hash tag}. */
  userProfile(userId: number): string;
  userReviewPage(userId: number, cursor: string, limit: number): string;
  /** The set of one user's cached review-page keys. */
  userReviewPagesIndex(userId: number): string;
  /** Bumped by every invalidation of the user's entries (the same guard as the book's). */
  userGeneration(userId: number): string;
  /** An author with their books' rating summaries; the author's {hash tag}. */
  authorProfile(authorId: number): string;
  authorGeneration(authorId: number): string;
  /** A browse/search first page, by the hash of its normalized filter. */
  bookList(hash: string): string;
  /** The list entries created in one time window in that entry's bucket (same slot): what bounds distinct cached queries. */
  bookListWindow(hash: string, window: number): string;
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
    userProfile: (id) => keys.tagged('user', id, 'profile'),
    userReviewPage: (id, cursor, limit) => keys.tagged('user', id, 'reviews', cursor || 'first', limit),
    userReviewPagesIndex: (id) => keys.tagged('user', id, 'review-pages'),
    userGeneration: (id) => keys.tagged('user', id, 'gen'),
    authorProfile: (id) => keys.tagged('author', id, 'profile'),
    authorGeneration: (id) => keys.tagged('author', id, 'gen'),
    bookList: (hash) => keys.tagged('book-list', listBucket(hash), hash),
    bookListWindow: (hash, window) => keys.tagged('book-list', listBucket(hash), 'window', window),
    leaderboard: (name, limit) => keys.key('list', name, limit),
    metadata: (id) => keys.key('metadata', id),
    topRated: keys.tagged('board', 'boards', 'top-rated'),
    topRatedVersions: keys.tagged('board', 'boards', 'top-rated', 'versions'),
    reviewedWeek: (week) => keys.tagged('board', 'boards', 'reviewed-week', week),
    topReviewers: keys.tagged('board', 'boards', 'top-reviewers'),
  };
}

/** List entries spread over this many {hash tags}: an entry and its window set share a slot, no one slot holds them all. */
export const LIST_BUCKETS = 4;

function listBucket(hash: string): string {
  return `b${parseInt(hash.slice(0, 2), 16) % LIST_BUCKETS}`;
}
