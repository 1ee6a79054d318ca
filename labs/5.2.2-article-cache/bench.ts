// `npm run bench 5.2.2`: seeds 500,000 articles, then times three query classes — point lookup, list
// page, expensive aggregate — uncached (Postgres), as a Redis hit and as an L1 hit, and the HTTP API
// cached vs uncached with autocannon. The uncached side runs twice: Postgres on loopback, and Postgres
// behind a proxy adding 1 ms each way (a database in another zone). Everything in one run.
import Table from 'cli-table3';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../../harness/cluster-bench';
import { createTestContext, type LabContext } from '../../harness/context';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { runFailoverDrill } from '../../harness/failover-drill';
import { measure, type LatencyStats } from '../../harness/latency';
import { measurePair } from '../../harness/measure-pair';
import { createBareApp, loadApp, type LoadResult } from '../../harness/load';
import { waitFor } from '../../harness/ports';
import { startLatencyProxy } from '../../harness/proxy';
import { latencyMetric, ratio, type Metric, type Ratio } from '../../harness/report';
import { UsageError } from '../../harness/usage-error';
import { listen } from '../../shared/http';
import { serveArticles } from './serve';
import { createArticleApp } from './src/app';
import { articleKey } from './src/components';
import { createDb } from './src/db';
import { TAGS } from './src/generate';
import { CACHE_REDIS_OPTIONS, connectCacheRedis } from './src/redis';
import { seed } from './src/seed';
import { createArticleStore, type ArticleStore } from './src/store';

interface QueryClass {
  name: string;
  short: string;
  /** How many distinct inputs it cycles through (all warmed before a hit is timed). */
  inputs: number;
  run(store: ArticleStore, i: number): Promise<unknown>;
  /** Uncached timing: stop after `iterations` calls or `durationMs`, after `warmup` untimed calls. */
  uncached: { iterations: number; durationMs: number; warmup: number };
}

const us = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} ms` : `${n.toFixed(0)} µs`);

export async function runBench({ ctx, quick, progress, argv }: BenchApi): Promise<BenchResult> {
  const { values } = parseArgs({ args: argv, options: { count: { type: 'string' } }, strict: false });
  const count = values.count ? Number(values.count) : quick ? 20_000 : 500_000;
  if (!Number.isInteger(count) || count < 1_000) throw new UsageError(`--count must be an integer ≥ 1000, got ${values.count}`);
  const hitIterations = quick ? 3_000 : 20_000;
  const httpSeconds = quick ? 1 : 2;
  const httpRounds = quick ? 1 : 3;

  // 1. Seed.
  const seeded = await seed(ctx.pg, { count, progress, force: true });
  ctx.log.info(`seeded ${seeded.articles.toLocaleString('en-US')} articles, ${seeded.comments.toLocaleString('en-US')} comments: load ${(seeded.loadMs / 1000).toFixed(1)} s + indexes ${(seeded.indexMs / 1000).toFixed(1)} s`);

  // 2. The cache's client (fail-fast options) and the two databases.
  const redis = await connectCacheRedis(ctx.newRedis(CACHE_REDIS_OPTIONS));
  const pgUrl = new URL(ctx.services.postgres.url);
  const proxy = await startLatencyProxy({ targetHost: pgUrl.hostname, targetPort: Number(pgUrl.port || 5432), delayMs: 1 });
  ctx.onDispose(() => proxy.close());
  const envs: Array<{ name: string; pool: pg.Pool }> = [
    { name: 'loopback', pool: ctx.pg },
    { name: 'remote (+1 ms each way)', pool: ctx.newPool({ connectionString: proxy.rewrite(ctx.services.postgres.url) }) },
  ];

  const ids = Array.from({ length: 1_000 }, (_, i) => 1 + ((i * 7_919) % count));
  const idAt = (i: number) => ids.at(i % ids.length)!; // harness warm-ups pass negative indexes
  const listQueries = [
    ...TAGS.flatMap((tag) => [1, 2, 3].map((page) => ({ tag, page }))),
    ...Array.from({ length: 20 }, (_, i) => ({ author: 1 + i * 7, page: 1 })),
  ];
  const topTags = TAGS.slice(0, 10);
  const classes: QueryClass[] = [
    { name: 'point lookup by id (article + author + tags + comment count)', short: 'point lookup', inputs: ids.length, run: (s, i) => s.getArticle(idAt(i)), uncached: { iterations: 2_000, durationMs: quick ? 2_000 : 4_000, warmup: 50 } },
    { name: 'list page (newest 20 by tag or author)', short: 'list page', inputs: listQueries.length, run: (s, i) => s.list(listQueries[i % listQueries.length]!), uncached: { iterations: 1_000, durationMs: quick ? 2_000 : 4_000, warmup: 50 } },
    { name: 'aggregate (most commented in a tag, last 30 days)', short: 'aggregate', inputs: topTags.length, run: (s, i) => s.topCommented(topTags[i % topTags.length]!), uncached: { iterations: quick ? 60 : 100, durationMs: quick ? 3_000 : 8_000, warmup: 3 } },
  ];

  const keysFor = (name: string) => ctx.keys.forLab('5.2.2', name);
  const store = (name: string, pool: pg.Pool, mode: 'off' | 'redis' | 'l1') =>
    createArticleStore({ db: createDb(pool), redis: mode === 'off' ? null : redis, keys: keysFor(name), l1: mode === 'l1' ? { max: 10_000, ttlMs: 600_000 } : false, statsFlushMs: 0 });

  const bar = progress('timing query classes', classes.length * (2 + envs.length));
  const results = new Map<string, LatencyStats>(); // `${class}|${column}`
  // Both share one key namespace: the L1 store's warm-up finds Redis already warm and fills its L1.
  const redisStore = store('cache', ctx.pg, 'redis');
  const l1Store = store('cache', ctx.pg, 'l1');
  // The cache's own overhead: a hit through the store vs a bare GET of the same key on the same client,
  // timed alternately. (Warm-up = every distinct input once, so every timed call is a hit.)
  const articleText = (i: number) => redis.get(articleKey(redisStore.keys, idAt(i)));
  for (let i = 0; i < ids.length; i++) await classes[0]!.run(redisStore, i);
  const [pointHit, rawGet] = await measurePair((i) => classes[0]!.run(redisStore, i), articleText, hitIterations, 0);
  // The floor on the database side: the simplest indexed lookup, no join, no count, vs the same raw GET.
  const [rawPk, rawGet2] = await measurePair(
    (i) => ctx.pg.query('SELECT id, title FROM articles WHERE id = $1', [idAt(i)]),
    articleText,
    quick ? 1_000 : 3_000,
    50,
  );
  for (const c of classes) {
    results.set(`${c.short}|redis`, c === classes[0] ? pointHit : await measure((i) => c.run(redisStore, i), { iterations: hitIterations, warmup: c.inputs, durationMs: 8_000 }));
    bar.increment();
    results.set(`${c.short}|l1`, await measure((i) => c.run(l1Store, i), { iterations: hitIterations, warmup: c.inputs, durationMs: 8_000 }));
    bar.increment();
    for (const env of envs) {
      const uncached = store('off', env.pool, 'off');
      results.set(`${c.short}|${env.name}`, await measure((i) => c.run(uncached, i), c.uncached));
      bar.increment();
    }
  }
  bar.stop();
  const hitStats = await redisStore.stats();
  // Each distinct input misses once during warm-up; any miss beyond that would be a timed miss.
  const timedMisses = Object.values(hitStats.namespaces).reduce((n, s) => n + s.misses, 0) - classes.reduce((n, c) => n + c.inputs, 0);

  // 3. HTTP: GET /articles/:id over 200 ids: bare express, cached (Redis, L1) and uncached on each
  // database. Short runs in rounds, every configuration once per round, and the median round kept: on a
  // shared box one long run each would mostly measure whatever else ran at that moment.
  const paths = ids.slice(0, 200).map((id) => ({ method: 'GET', path: `/articles/${id}` }));
  const configs: Array<{ name: string; run(): Promise<LoadResult> }> = [
    { name: 'bare express', run: () => loadApp(createBareApp(), { path: '/bare', duration: httpSeconds, connections: 20 }) },
    { name: 'cached (Redis hit)', run: () => loadApp(createArticleApp(redisStore), { requests: paths, duration: httpSeconds, connections: 20 }) },
    { name: 'cached (L1 hit)', run: () => loadApp(createArticleApp(l1Store), { requests: paths, duration: httpSeconds, connections: 20 }) },
    ...envs.map((env) => {
      const uncached = createArticleApp(store('http-off', env.pool, 'off'));
      return {
        name: `uncached, ${env.name}`,
        async run() {
          const r = await loadApp(uncached, { requests: paths, duration: httpSeconds, connections: 20 });
          // Requests still in flight when the load stopped finish before the next run (or the proxy closes).
          await waitFor(() => env.pool.idleCount === env.pool.totalCount && env.pool.waitingCount === 0, { timeoutMs: 30_000, what: 'in-flight queries to finish' });
          return r;
        },
      };
    }),
  ];
  const httpBar = progress('HTTP load (autocannon rounds)', httpRounds * configs.length);
  const rounds = new Map<string, LoadResult[]>(configs.map((c) => [c.name, []]));
  for (let r = 0; r < httpRounds; r++) {
    for (const c of configs) {
      rounds.get(c.name)!.push(await c.run());
      httpBar.increment();
    }
  }
  httpBar.stop();
  const http = new Map<string, LoadResult>(
    [...rounds].map(([name, runs]) => [name, [...runs].sort((a, b) => a.requestsPerSec - b.requestsPerSec)[Math.floor(runs.length / 2)]!]),
  );

  // 4. The table: one row per query class and database.
  const table = new Table({ head: ['query class', 'database', 'uncached p50 / p99', 'Redis hit p50 / p99', 'L1 hit p50 / p99', 'uncached ÷ Redis', 'uncached ÷ L1'] });
  const metrics: Metric[] = [];
  const ratios: Ratio[] = [];
  const notes: string[] = [];
  for (const c of classes) {
    const hit = results.get(`${c.short}|redis`)!;
    const l1 = results.get(`${c.short}|l1`)!;
    metrics.push(latencyMetric(`${c.short} · Redis hit`, hit), latencyMetric(`${c.short} · L1 hit`, l1));
    for (const env of envs) {
      const db = results.get(`${c.short}|${env.name}`)!;
      metrics.push(latencyMetric(`${c.short} · uncached, ${env.name}`, db));
      table.push([c.short, env.name, `${us(db.p50)} / ${us(db.p99)}`, `${us(hit.p50)} / ${us(hit.p99)}`, `${us(l1.p50)} / ${us(l1.p99)}`, `${(db.p50 / hit.p50).toFixed(1)}×`, `${(db.p50 / l1.p50).toFixed(0)}×`]);
      const tag = env === envs[0] ? 'loopback' : 'remote';
      const goal = c.short === 'aggregate' && env === envs[0] ? { atLeast: 100 } : undefined;
      ratios.push(ratio(`${c.short}: uncached p50 / Redis hit p50 (${tag})`, db.p50 / hit.p50, goal));
      ratios.push(ratio(`${c.short}: uncached p50 / L1 hit p50 (${tag})`, db.p50 / l1.p50));
    }
    notes.push(`${c.name}: ${c.inputs} distinct inputs cycled.`);
  }
  metrics.push(
    latencyMetric('raw ioredis GET of the cached article (timed alternately with the Redis hit)', rawGet),
    latencyMetric('raw Postgres primary-key lookup (loopback, no join)', rawPk),
    latencyMetric('raw ioredis GET of the cached article (timed alternately with the PK lookup)', rawGet2),
  );
  ratios.push(ratio('raw Postgres PK lookup p50 / raw ioredis GET p50 (loopback)', rawPk.p50 / rawGet2.p50, undefined, 'the floor: one indexed row vs one key, both one loopback round trip, timed alternately'));
  const point = results.get('point lookup|redis')!;
  ratios.unshift(ratio('point lookup: Redis hit p50 / raw ioredis GET p50', point.p50 / rawGet.p50, { atMost: 1.2 }, 'the cache layer (JSON decode, counters) over a bare GET of the same value, timed alternately'));

  const bare = http.get('bare express')!;
  const cached = http.get('cached (Redis hit)')!;
  for (const [name, r] of http) metrics.push({ name: `HTTP GET /articles/:id · ${name}`, unit: 'ms', p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, ops: Math.round(r.requestsPerSec) });
  for (const env of envs) {
    const un = http.get(`uncached, ${env.name}`)!;
    ratios.push(ratio(`HTTP req/s: cached / uncached (${env === envs[0] ? 'loopback' : 'remote'})`, cached.requestsPerSec / un.requestsPerSec));
  }
  ratios.push(ratio('HTTP req/s: Redis-cached / bare express', cached.requestsPerSec / bare.requestsPerSec));
  ratios.push(ratio('HTTP req/s: L1-cached / bare express', http.get('cached (L1 hit)')!.requestsPerSec / bare.requestsPerSec));

  // 5. Redis Cluster: the point lookup's Redis hit on a private cluster vs a private single server, then
  // the API's failover drill on that cluster.
  const topology = await clusterVsSingle(ctx, {
    what: 'point lookup, Redis hit',
    iterations: quick ? 300 : 3_000,
    setup: async (r, keys) => {
      const s = createArticleStore({ db: createDb(ctx.pg), redis: r, keys, statsFlushMs: 0 });
      for (let id = 1; id <= 100; id++) await s.getArticle(id);
      return (i) => s.getArticle(1 + (Math.abs(i) % 100)); // warm-up calls pass negative i
    },
  });
  metrics.push(...topology.metrics, ...(await articleFailover(ctx)));
  ratios.push(...topology.ratios);
  notes.push('Cluster rows: the point lookup (Redis hit, 100 articles) on a private 3-master cluster with a replica each vs a private single server, alternating calls; the failover drill kills the master of a hot article\'s keys under 4 concurrent GET /articles/:id (test/failover.test.ts): reads fall back to Postgres, none fails.');

  console.error(table.toString());
  console.error(`HTTP req/s — ${[...http].map(([name, r]) => `${name} ${r.requestsPerSec.toFixed(0)}`).join(', ')}`);

  notes.unshift(
    `${seeded.articles.toLocaleString('en-US')} articles, ${seeded.comments.toLocaleString('en-US')} comments, ${seeded.authors.toLocaleString('en-US')} authors, seeded with COPY in ${((seeded.loadMs + seeded.indexMs) / 1000).toFixed(1)} s (rows ${(seeded.loadMs / 1000).toFixed(1)} s, keys and indexes ${(seeded.indexMs / 1000).toFixed(1)} s; UNLOGGED tables, indexes built after the load).`,
    `Latencies are one caller at a time (concurrency 1) through the lab's store; every distinct input was cached during warm-up, and the Redis-hit column saw ${timedMisses} misses in its timed calls. "Remote" = the same Postgres behind harness/proxy.ts adding 1 ms each way; cache hits do not touch the database, so their columns are shared by both rows.`,
    'The list page costs two Redis round trips on a hit (GET the namespace version, then GET the list); the L1 keeps the version for 1 s.',
    `HTTP: autocannon, 20 connections, cycling GET /articles/:id over 200 ids, in ${httpRounds} round(s) of ${httpSeconds} s per configuration (each configuration once per round; the median round is reported); bare express is the framework's ceiling on this machine.`,
    ...(quick ? ['Quick run: 20,000 articles and shorter runs; the default is 500,000.'] : []),
  );
  await Promise.all([redisStore.close(), l1Store.close()]);
  return { metrics, ratios, notes };
}

/** The failover drill (as in test/failover.test.ts) on the bench's private cluster: its rows. */
async function articleFailover(ctx: LabContext) {
  const { cluster } = await benchTopologies(ctx);
  const fctx = await createTestContext('5.2.2', { redisUrl: cluster.url, serving: true });
  try {
    await seed(fctx.pg, { count: 1_000 });
    const served = await serveArticles(fctx, []);
    const http = await listen(served.app);
    try {
      const r = await runFailoverDrill({ restartKilled: true, cluster, key: articleKey(fctx.keys, 42), request: (signal) => fetch(`${http.url}/articles/42`, { signal }) });
      return failoverMetrics(r, "failover of a hot article's master");
    } finally {
      await http.close();
      await served.close();
    }
  } finally {
    await fctx.dispose();
  }
}
