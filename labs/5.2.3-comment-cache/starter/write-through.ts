// Starter: exercise 2 — write-through. `npm run grade 5.2.3 -- --impl starter`.
import { NotImplementedError } from '../../../shared/errors';
import type { CacheInternals } from '../src/internals';
import type { Comment, NewComment } from '../src/store';

/**
 * 1. Insert into Postgres first (c.store.insert): the comment exists once the database has it.
 * 2. Then ONE MULTI on Redis:
 *    - queueActivity(tx, c.keys.activity(postId), c.now(), c.rule)   (activity.ts: ACTIVITY_REPLIES replies, the count at ACTIVITY_COUNT_INDEX)
 *    - INCR + PEXPIRE c.keys.version(postId) (VERSION_TTL_MS): a loader that read Postgres before this
 *      insert will then skip filling the list (fill.lua compares the version)
 *    - RPUSHX the comment's JSON onto c.keys.list(postId): append only when the list is cached
 *    - LINDEX list 0: the meta, to pass to retuneTtl
 *    Treat a null result or any reply error as a failure. Count 'writes'. If RPUSHX appended, call
 *    retuneTtl(c, postId, parseMeta(meta), activity).
 * 3. If anything in step 2 fails: await c.invalidate(postId) — never leave a list missing the comment.
 * Return the inserted comment.
 */
export async function writeThrough(_c: CacheInternals, _postId: number, _input: NewComment): Promise<Comment> {
  throw new NotImplementedError('exercise 2: writeThrough (Postgres, then MULTI RPUSHX + version; invalidate on failure)');
}
