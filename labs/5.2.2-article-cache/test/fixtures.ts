// Shared set-up for the lab's tests: a seeded schema of 200 articles, stores on their own key
// namespace (so tests never see each other's entries), and a tiny HTTP client.
import { afterAll, beforeAll } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { listen, type Listening } from '../../../shared/http';
import { connectRedis, type RedisClient } from '../../../shared/redis-client';
import { createArticleApp } from '../src/app';
import { createDb } from '../src/db';
import { CACHE_REDIS_OPTIONS, connectCacheRedis } from '../src/redis';
import { seed } from '../src/seed';
import { createArticleStore, type ArticleStore, type ArticleStoreOptions } from '../src/store';

export const ARTICLES = 200;

export interface Fixture {
  ctx: LabContext;
  /** A store on a fresh key namespace; closed after the file. */
  store(opts?: Partial<ArticleStoreOptions>): Promise<ArticleStore>;
  /** A cache client (fail-fast options) to another Redis, e.g. a managed one a test stops. */
  cacheClient(url: string): Promise<RedisClient>;
  /** Serves the store's API; closed after the file. */
  serve(store: ArticleStore): Promise<Api>;
}

export interface Api {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Like call, but throws the API's error message for any non-2xx (so a starter's stub names itself). */
  ok(method: string, path: string, body?: unknown): Promise<any>;
}

export function useFixture(): Fixture {
  let ctx!: LabContext;
  let n = 0;
  const cleanups: Array<() => unknown> = [];
  beforeAll(async () => {
    ctx = await createTestContext('5.2.2');
    await seed(ctx.pg, { count: ARTICLES });
  });
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn();
    await ctx.dispose();
  });

  const cacheClient = async (url: string) => {
    // A stopped server fails at once (no offline queue); the longer timeout only keeps a busy shared
    // machine from turning a slow reply into a fallback that would change the query counts.
    const r = connectRedis(url, { ...CACHE_REDIS_OPTIONS, commandTimeout: 5_000 });
    cleanups.push(() => r.disconnect());
    return connectCacheRedis(r);
  };

  return {
    get ctx() {
      return ctx;
    },
    cacheClient,
    async store(opts = {}) {
      const redis = opts.redis === undefined ? await cacheClient(ctx.services.redis.url) : opts.redis;
      const store = createArticleStore({
        db: createDb(ctx.pg),
        keys: ctx.keys.forLab('5.2.2', `t${++n}`),
        statsFlushMs: 0,
        ...opts,
        redis,
      });
      cleanups.push(() => store.close());
      return store;
    },
    async serve(store) {
      const server: Listening = await listen(createArticleApp(store));
      cleanups.push(() => server.close());
      const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
        const res = await fetch(server.url + path, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      };
      return {
        call,
        async ok(method, path, body) {
          const res = await call(method, path, body);
          if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${res.body?.error?.message}`);
          return res.body;
        },
      };
    },
  };
}

/** Counts the Postgres statements `fn` sends. */
export async function queriesDuring(store: ArticleStore, fn: () => Promise<unknown>): Promise<number> {
  const before = store.db.queries;
  await fn();
  return store.db.queries - before;
}
