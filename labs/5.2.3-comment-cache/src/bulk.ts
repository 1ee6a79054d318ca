// Bulk import: 10,000 comments into Postgres (one INSERT … unnest) and into the cache. The cache part
// is the lesson: the same commands sent one round trip at a time, as pipelines, or as one MULTI per post.
import { Cluster } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import { VERSION_TTL_MS } from './internals';
import type { CommentKeys } from './keys';
import type { Comment, CommentStore, NewComment } from './store';

export type BulkMode = 'sequential' | 'pipeline' | 'multi';

export interface ImportResult {
  comments: Comment[];
  dbMs: number;
  cacheMs: number;
  /** Requests sent for the cache part: commands (sequential), pipelines, or MULTI transactions. */
  roundTrips: number;
}

/**
 * RPUSHX the comments onto their posts' lists (only lists already cached grow; cold posts load in full
 * on their next read); per post, INCR its version so a concurrent loader does not overwrite, and count
 * the writes. `sequential` is the naive loop: one command, one round trip, per comment. The batched
 * modes also send each post's comments as one variadic RPUSHX — fewer commands as well as fewer trips.
 */
export async function cacheComments(redis: RedisClient, keys: CommentKeys, comments: Comment[], mode: BulkMode, batch = 1_000): Promise<number> {
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
    // One MULTI per post: its comments and version change atomically. The transactions go out together
    // (ioredis pipelines commands issued in the same tick), so this costs about as much as a pipeline.
    await Promise.all(
      [...byPost].map(([postId, list]) => {
        const tx = redis.multi();
        for (const values of chunks(list)) tx.rpushx(keys.list(postId), ...values);
        return tx.incr(keys.version(postId)).pexpire(keys.version(postId), VERSION_TTL_MS).exec();
      }),
    );
    await redis.hincrby(keys.stats, 'writes', comments.length);
    return byPost.size;
  }

  // Pipelines of `batch` commands, all sent without waiting for the previous one's replies: far fewer
  // round trips, no atomicity across posts (a MULTI per post gives that). On a Redis Cluster a pipeline
  // must stay on one node, so there each post (one {postId} slot) gets its own pipeline, still all sent
  // back to back; the shared counter (another slot) is one HINCRBY at the end.
  const perPost = redis instanceof Cluster;
  const sent: Array<Promise<unknown>> = [];
  let p = redis.pipeline();
  for (const [postId, list] of byPost) {
    for (const values of chunks(list)) p.rpushx(keys.list(postId), ...values);
    p.incr(keys.version(postId)).pexpire(keys.version(postId), VERSION_TTL_MS);
    if (perPost || p.length >= batch) {
      sent.push(p.exec());
      p = redis.pipeline();
    }
  }
  if (p.length) sent.push(p.exec());
  await Promise.all(sent);
  await redis.hincrby(keys.stats, 'writes', comments.length);
  return sent.length;
}

/** A post's comments as JSON, in variadic RPUSHX calls of at most 1,000 values. */
function chunks(list: Comment[], size = 1_000): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size).map((c) => JSON.stringify(c)));
  return out;
}

export async function importComments(store: CommentStore, redis: RedisClient, keys: CommentKeys, rows: Array<NewComment & { postId: number }>, mode: BulkMode): Promise<ImportResult> {
  let t0 = performance.now();
  const comments = await store.insertMany(rows);
  const dbMs = performance.now() - t0;
  t0 = performance.now();
  const roundTrips = await cacheComments(redis, keys, comments, mode);
  return { comments, dbMs, cacheMs: performance.now() - t0, roundTrips };
}
