// Every key of one post shares the `{postId}` hash tag, so fill.lua (list + version) runs on a cluster too.
import type { KeyBuilder } from '../../../shared/keys';

export interface CommentKeys {
  /** The cached thread: a list, element 0 is the meta (expiry, TTL tier, load time), then the comments. */
  list(postId: number): string;
  /** INCR'd by every write, so a loader that read Postgres before the write does not overwrite it. */
  version(postId: number): string;
  /** The stampede lock (SET NX PX). */
  lock(postId: number): string;
  /** Sorted set of read/write timestamps: the activity window. */
  activity(postId: number): string;
  /** Hash of counters shared by every process (HINCRBY). */
  stats: string;
}

export function commentKeys(keys: KeyBuilder): CommentKeys {
  return {
    list: (id) => keys.tagged('comments', id),
    version: (id) => keys.tagged('comments', id, 'ver'),
    lock: (id) => keys.tagged('comments', id, 'lock'),
    activity: (id) => keys.tagged('comments', id, 'activity'),
    stats: keys.key('stats'),
  };
}
