// `npm run lab 5.2.2`: a narrated tour — miss then hit, the page from components, an edit that evicts
// one component, lists under a version, the aggregate, and a Redis outage served from Postgres.
// `npm run lab 5.2.2 -- seed [--count 500000] [--force]` seeds; `… -- serve [--port 3000] [--l1]` serves (serve.ts).
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { startRedisServer } from '../../harness/faults';
import { progressBar } from '../../harness/progress';
import { parseArgsOrUsage, UsageError } from '../../harness/usage-error';
import { connectRedis, type RedisClient } from '../../shared/redis-client';
import { createDb } from './src/db';
import { CACHE_REDIS_OPTIONS, connectCacheRedis } from './src/redis';
import { seed, seededCount } from './src/seed';
import { createArticleStore, type ArticleStore } from './src/store';

const DEMO_COUNT = 20_000;

function parseCount(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new UsageError(`--count must be an integer from 1 to 10,000,000, got ${value}`);
  return n;
}

async function seedCommand(ctx: LabContext, argv: string[]): Promise<void> {
  const { values } = parseArgsOrUsage(
    { args: argv, options: { count: { type: 'string' }, force: { type: 'boolean' } }, strict: true, allowPositionals: false },
    'Usage: npm run lab 5.2.2 -- seed [--count N] [--force]',
  );
  const count = parseCount(values.count, 500_000);
  const t0 = performance.now();
  const r = await seed(ctx.pg, { count, force: values.force, progress: progressBar });
  if (r.skipped) {
    ctx.log.info(`already seeded with ${r.articles.toLocaleString('en-US')} articles (${r.comments.toLocaleString('en-US')} comments); --force reloads`);
    return;
  }
  ctx.log.info(
    `seeded ${r.articles.toLocaleString('en-US')} articles, ${r.comments.toLocaleString('en-US')} comments, ${r.authors.toLocaleString('en-US')} authors in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
      `(COPY ${(r.loadMs / 1000).toFixed(1)} s into UNLOGGED tables, then keys and indexes ${(r.indexMs / 1000).toFixed(1)} s)`,
  );
  // The cached copies describe the old rows: start the cache empty.
  await deleteByPrefix(ctx.redis, `${ctx.prefix}5.2.2:`);
}

/** The demo and serve need rows; a small seed is made when there are none. */
export async function ensureSeeded(ctx: LabContext): Promise<number> {
  const existing = await seededCount(ctx.pg);
  if (existing) return existing.articles;
  ctx.log.info(`no articles yet: seeding ${DEMO_COUNT.toLocaleString('en-US')} (npm run lab 5.2.2 -- seed for the full 500,000)`);
  await seed(ctx.pg, { count: DEMO_COUNT, progress: progressBar });
  return DEMO_COUNT;
}

/** A store whose Redis client fails fast (redis.ts); another Redis than the context's when `redisUrl` is given. */
export async function cacheStore(ctx: LabContext, opts: { l1?: boolean; redisUrl?: string } = {}): Promise<ArticleStore> {
  let client: RedisClient;
  if (opts.redisUrl) {
    const own = connectRedis(opts.redisUrl, CACHE_REDIS_OPTIONS);
    ctx.onDispose(() => own.disconnect());
    client = own;
  } else {
    client = ctx.newRedis(CACHE_REDIS_OPTIONS);
  }
  const redis = await connectCacheRedis(client, (err) => ctx.log.debug({ err: err.message }, 'cache redis error'));
  const store = createArticleStore({ db: createDb(ctx.pg), redis, keys: ctx.keys, l1: opts.l1 ? { max: 10_000, ttlMs: 5_000 } : false });
  ctx.onDispose(() => store.close());
  return store;
}

/**
 * Runs `fn` (`repeat` times, reporting the median: one call on a busy machine says little), returning
 * its last result, the time and the Postgres statements per call.
 */
async function timed<T>(store: ArticleStore, fn: () => Promise<T>, repeat = 1): Promise<{ value: T; text: string }> {
  const q0 = store.db.queries;
  const times: number[] = [];
  let value!: T;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    value = await fn();
    times.push(performance.now() - t0);
  }
  const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  const q = (store.db.queries - q0) / repeat;
  const what = `${ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`}${repeat > 1 ? ` (median of ${repeat})` : ''}`;
  return { value, text: `${what}, ${q} Postgres ${q === 1 ? 'query' : 'queries'}${repeat > 1 ? ' each' : ''}` };
}

export async function runDemo(ctx: LabContext, argv: string[]): Promise<void> {
  if (argv[0] === 'seed') return seedCommand(ctx, argv.slice(1));
  if (argv.length) throw new UsageError(`unknown arguments: ${argv.join(' ')} (try: seed [--count N] [--force], serve [--port N] [--l1])`);
  const log = (m: string) => ctx.log.info(m);
  const count = await ensureSeeded(ctx);
  await deleteByPrefix(ctx.redis, `${ctx.prefix}5.2.2:`); // start cold, every run alike
  const store = await cacheStore(ctx);
  const id = Math.min(42, count);

  log(`── read-through: GET article ${id}`);
  log(`  1st read (miss → Postgres → SET EX ${300}): ${(await timed(store, () => store.getArticle(id))).text}`);
  log(`  next reads (hits): ${(await timed(store, () => store.getArticle(id), 25)).text}`);

  log('── partial caching: the page is four components, one MGET');
  log(`  1st view (4 components loaded): ${(await timed(store, () => store.getPage(id))).text}`);
  log(`  next views (one MGET): ${(await timed(store, () => store.getPage(id), 25)).text}`);
  const edit = await store.update(id, { body: `Edited by the demo at ${new Date().toISOString()}.` });
  log(`  PUT body → changed ${edit?.changed.join(', ')}; evicted ${edit?.evicted.map((k) => k.slice(ctx.prefix.length)).join(', ')}`);
  log(`  next view (only the body reloads): ${(await timed(store, () => store.getPage(id))).text}`);

  log('── lists: query-hash keys under a namespace version');
  const q = { tag: 'redis', page: 1 };
  log(`  ?tag=redis&page=1 (miss): ${(await timed(store, () => store.list(q))).text}`);
  log(`  again (hits: GET version + GET list): ${(await timed(store, () => store.list(q), 25)).text}`);
  const first = (await store.list(q)).items[0]!;
  const renamed = await store.update(first.id, { title: `${first.title.replace(/ \(edited.*$/, '')} (edited ${Date.now() % 1000})` });
  log(`  PUT title of article ${first.id} → list version bumped to ${renamed?.listVersion}: every cached list is now unreachable`);
  const after = await timed(store, () => store.list(q));
  log(`  ?tag=redis&page=1 again (miss under the new version): ${after.text}; first title now "${after.value.items[0]!.title}"`);

  log('── the expensive aggregate: most commented "redis" articles, last 30 days');
  log(`  miss: ${(await timed(store, () => store.topCommented('redis'))).text}`);
  log(`  hits: ${(await timed(store, () => store.topCommented('redis'), 25)).text}`);

  log('── Redis outage: a private redis-server, stopped mid-run');
  const managed = await startRedisServer();
  try {
    const outage = await cacheStore(ctx, { redisUrl: managed.url });
    await outage.getArticle(id);
    log(`  Redis up (hits): ${(await timed(outage, () => outage.getArticle(id), 25)).text}`);
    await managed.stop();
    const down = await timed(outage, () => outage.getArticle(id), 25);
    log(`  Redis stopped → still served, from Postgres: ${down.text} (title "${down.value?.title.slice(0, 30)}…")`);
    await managed.start();
  } finally {
    await managed.dispose();
  }

  const stats = await store.stats();
  log('── /cache/stats (this run)');
  for (const [ns, s] of Object.entries(stats.namespaces)) {
    log(`  ${ns.padEnd(14)} hits ${s.hits}  misses ${s.misses}  evictions ${s.evictions}  hit ratio ${s.hitRatio ?? '–'}`);
  }
  log(`  Postgres queries: ${stats.postgres.queries}.  Try it over HTTP: npm run lab 5.2.2 -- serve --port 3000`);
}
