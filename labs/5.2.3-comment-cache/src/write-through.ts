// Write-through: a new comment goes to Postgres, then into the cached list in the same call, so the
// writer's next read (and everyone else's) includes it without touching the database.
import { ACTIVITY_COUNT_INDEX, ACTIVITY_REPLIES, queueActivity } from './activity';
import { retuneTtl } from './dynamic-ttl';
import { parseMeta, VERSION_TTL_MS, type CacheInternals } from './internals';
import type { Comment, NewComment } from './store';

export async function writeThrough(c: CacheInternals, postId: number, input: NewComment): Promise<Comment> {
  // 1. The database first: the comment exists once Postgres has committed it.
  const comment = await c.store.insert(postId, input);
  try {
    // 2. One MULTI: count the activity, bump the version (a loader that read Postgres before this
    //    insert must not fill the list without it), and append — RPUSHX appends only when the list is
    //    cached; a cold post stays cold and its next read loads the full thread.
    const tx = c.redis.multi();
    queueActivity(tx, c.keys.activity(postId), c.now(), c.rule);
    tx.incr(c.keys.version(postId)).pexpire(c.keys.version(postId), VERSION_TTL_MS);
    tx.rpushx(c.keys.list(postId), JSON.stringify(comment)).lindex(c.keys.list(postId), 0);
    const replies = await tx.exec();
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw failed?.[0] ?? new Error('MULTI discarded');
    c.count('writes');
    const pushed = Number(replies[ACTIVITY_REPLIES + 2]![1]);
    if (pushed > 0) {
      const activity = Number(replies[ACTIVITY_COUNT_INDEX]![1]);
      await retuneTtl(c, postId, parseMeta(replies[ACTIVITY_REPLIES + 3]![1] as string | null), activity);
    }
  } catch {
    // 3. The cached list may now miss this comment: delete it rather than ever serve it.
    await c.invalidate(postId);
  }
  return comment;
}
