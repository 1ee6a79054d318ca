// A race actor: each worker process opens its own Redis and Postgres connections and its own
// CommentCache (own single-flight), then every actor reads the same post at once.
import pg from 'pg';
import { quoteIdent } from '../../../harness/context';
import { defineRaceActor } from '../../../harness/race';
import { keyBuilder } from '../../../shared/keys';
import { connectRedis } from '../../../shared/redis-client';
import { CommentCache } from '../src/comment-cache';
import { createCommentStore } from '../src/store';

export interface ReaderArgs {
  redisUrl: string;
  databaseUrl: string;
  prefix: string;
  schema: string;
  postId: number;
  loadDelayMs: number;
}

export default defineRaceActor({
  setup(args: ReaderArgs) {
    const redis = connectRedis(args.redisUrl);
    const pool = new pg.Pool({ connectionString: args.databaseUrl, max: 4, options: `-c search_path=${quoteIdent(args.schema)}` });
    const cache = new CommentCache({ redis, store: createCommentStore(pool, { loadDelayMs: args.loadDelayMs }), keys: keyBuilder({ prefix: args.prefix, lab: '5.2.3' }) });
    return { redis, pool, cache };
  },
  async act(s, _i, args) {
    const r = await s.cache.read(args.postId);
    return { n: r.comments.length, source: r.source };
  },
  async teardown(s) {
    await s.redis.quit();
    await s.pool.end();
  },
});
