// Shared by the test files: a store that counts database reads, a movable clock, a cache factory.
import type { LabContext } from '../../../harness/context';
import { CommentCache, type CommentCacheOptions } from '../src/comment-cache';
import { createCommentStore, type CommentStore } from '../src/store';

export interface CountingStore extends CommentStore {
  reads: number;
}

export function countingStore(inner: CommentStore): CountingStore {
  const s: CountingStore = {
    ...inner,
    reads: 0,
    async listByPost(postId) {
      s.reads++;
      return inner.listByPost(postId);
    },
  };
  return s;
}

export function clock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

let nextPost = 1;
/** A post id no other test in this file uses. */
export const newPostId = () => nextPost++;

export async function setupStore(ctx: LabContext, loadDelayMs = 0): Promise<CountingStore> {
  const store = countingStore(createCommentStore(ctx.pg, { loadDelayMs }));
  await store.ensureSchema();
  return store;
}

export function makeCache(ctx: LabContext, store: CommentStore, opts: Partial<CommentCacheOptions> = {}): CommentCache {
  return new CommentCache({ redis: ctx.redis, store, keys: ctx.keys, ...opts });
}

export async function seedComments(store: CommentStore, postId: number, n: number): Promise<void> {
  await store.insertMany(Array.from({ length: n }, (_, i) => ({ postId, author: `user${i % 7}`, body: `comment ${i} on post ${postId}` })));
}
