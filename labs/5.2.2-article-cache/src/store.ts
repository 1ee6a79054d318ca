// The data layer the HTTP API talks to. Every read goes through the cache (read-through); the one
// write, update, goes to Postgres and then invalidates. `redis: null` gives the same store uncached.
import type { RedisClient } from '../../../shared/redis-client';
import type { KeyBuilder } from '../../../shared/keys';
import { CacheLayer } from './cache-layer';
import { ARTICLE_NS, articleKey } from './components';
import type { Db } from './db';
import { updateArticle, type UpdateResult } from './invalidate';
import { listKey } from './list-keys';
import { assemblePage } from './page';
import { loadArticle, loadList, loadTopCommented } from './queries';
import { getOrLoad } from './read-through';
import { CacheStats, type StatsReport } from './stats';
import type { Article, ArticleList, ArticlePage, ArticlePatch, ListQuery, TopCommented } from './types';

export const TTL = {
  article: 300,
  list: 60,
  top: 300,
};

export interface ArticleStoreOptions {
  db: Db;
  /** The cache's Redis client (see redis.ts for its fail-fast options); null = no cache. */
  redis: RedisClient | null;
  keys: KeyBuilder;
  /** In-process L1 in front of Redis (off by default). */
  l1?: { max: number; ttlMs: number } | false;
  now?: () => number;
  /** How often this process sends its hit/miss counts to Redis (ms). */
  statsFlushMs?: number;
}

export interface ArticleStore {
  readonly cache: CacheLayer;
  readonly db: Db;
  readonly keys: KeyBuilder;
  getArticle(id: number): Promise<Article | null>;
  getPage(id: number): Promise<ArticlePage | null>;
  list(q: ListQuery): Promise<ArticleList>;
  topCommented(tag: string): Promise<TopCommented>;
  update(id: number, patch: ArticlePatch): Promise<UpdateResult | null>;
  stats(): Promise<StatsReport & { postgres: { queries: number } }>;
  close(): Promise<void>;
}

export function createArticleStore(opts: ArticleStoreOptions): ArticleStore {
  const { db, keys } = opts;
  const now = opts.now ?? Date.now;
  const stats = new CacheStats(opts.redis, keys.key('stats'), opts.statsFlushMs);
  const cache = new CacheLayer({ redis: opts.redis, stats, l1: opts.l1 });

  /** A query result cached under the list namespace version; straight to Postgres if Redis is down. */
  async function cachedQuery<T>(ns: string, params: Record<string, unknown>, ttlSec: number, load: () => Promise<T>): Promise<T> {
    let key: string;
    try {
      key = cache.redis ? await listKey(cache, keys, ns, params) : ns;
    } catch (err) {
      cache.degraded(ns, err);
      return load();
    }
    return (await getOrLoad(cache, ns, key, ttlSec, load)) as T;
  }

  return {
    cache,
    db,
    keys,
    getArticle: (id) => getOrLoad(cache, ARTICLE_NS, articleKey(keys, id), TTL.article, () => loadArticle(db, id)),
    getPage: (id) => assemblePage({ cache, keys, db }, id),
    list: (q) => cachedQuery('list', { ...q }, TTL.list, () => loadList(db, q)),
    topCommented: (tag) => cachedQuery('top', { tag }, TTL.top, () => loadTopCommented(db, tag, now())),
    update: (id, patch) => updateArticle({ cache, keys, db }, id, patch),
    async stats() {
      return { ...(await stats.report()), postgres: { queries: db.queries } };
    },
    close: () => stats.close(),
  };
}
