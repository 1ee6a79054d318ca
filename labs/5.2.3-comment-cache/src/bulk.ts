// Bulk import: 10,000 comments into Postgres (one INSERT … unnest) and into the cache. The cache part
// is the lesson: the same commands sent one round trip at a time, as pipelines, or as one MULTI per post.
import type { Redis } from 'ioredis';
import { VERSION_TTL_MS } from './internals';
import type { CommentKeys } from './keys';
import type { Comment, CommentStore, NewComment } from './store';

export type BulkMode = 'sequential' | 'pipeline' | 'multi';

export interface ImportResult {
  comments: Comment[];
  dbMs: number;
  cacheMs: number;
  /** Round trips to Redis for the cache part. */
  roundTrips: number;
}

/**
 * Per comment: RPUSHX onto its post's list (only lists already cached grow; cold posts load in full on
 * their next read). Per post: INCR its version so a concurrent loader does not overwrite, and count writes.
 */
export async function cacheComments(redis: Redis, keys: CommentKeys, comments: Comment[], mode: BulkMode, batch = 1_000): Promise<number> {
  const byPost = new Map<number, Comment[]>();
  for (const c of comments) {
    const list = byPost.get(c.postId);
    if (list) list.push(c);
    else byPost.set(c.postId, [c]);
  }

  if (mode === 'sequential') {
    let trips = 0;
    for (const [postId, list] of byPost) {
      for (const c of list) {
        await redis.rpushx(keys.list(postId), JSON.stringify(c));
        trips++;
      }
      await redis.incr(keys.version(postId));
      await redis.pexpire(keys.version(postId), VERSION_TTL_MS);
      await redis.hincrby(keys.stats, 'writes', list.length);
      trips += 3;
    }
    return trips;
  }

  if (mode === 'multi') {
    // One MULTI per post: its comments and version change atomically. Still one round trip per post.
    await Promise.all(
      [...byPost].map(([postId, list]) => {
        const tx = redis.multi();
        for (const c of list) tx.rpushx(keys.list(postId), JSON.stringify(c));
        return tx.incr(keys.version(postId)).pexpire(keys.version(postId), VERSION_TTL_MS).hincrby(keys.stats, 'writes', list.length).exec();
      }),
    );
    return byPost.size;
  }

  // Pipelines of `batch` commands: far fewer round trips, no atomicity across posts.
  let trips = 0;
  let p = redis.pipeline();
  const flush = async () => {
    if (p.length) {
      await p.exec();
      trips++;
    }
    p = redis.pipeline();
  };
  for (const [postId, list] of byPost) {
    for (const c of list) p.rpushx(keys.list(postId), JSON.stringify(c));
    p.incr(keys.version(postId)).pexpire(keys.version(postId), VERSION_TTL_MS).hincrby(keys.stats, 'writes', list.length);
    if (p.length >= batch) await flush();
  }
  await flush();
  return trips;
}

export async function importComments(store: CommentStore, redis: Redis, keys: CommentKeys, rows: Array<NewComment & { postId: number }>, mode: BulkMode): Promise<ImportResult> {
  let t0 = performance.now();
  const comments = await store.insertMany(rows);
  const dbMs = performance.now() - t0;
  t0 = performance.now();
  const roundTrips = await cacheComments(redis, keys, comments, mode);
  return { comments, dbMs, cacheMs: performance.now() - t0, roundTrips };
}
