// `npm run bench capstone [-- --quick]`: one realistic request list driven by autocannon — 80 % book
// pages skewed to popular books, 15 % review pages and leaderboards, 5 % writes by 20 logged-in users
// (helpful votes and rating edits, each invalidating its book) — in five modes on the same data:
//   no-cache          every read from Postgres (the cache switched off)
//   cold              the cache on, starting empty
//   warm              the cache on, every GET of the list loaded once before
//   redis-down        the service on a private redis-server that is stopped (harness/faults.ts)
//   metadata-failing  warm pages, no cached metadata, the metadata service failing slowly: the breaker's job
// Reports req/s, p50/p99, hit ratio per resource and Postgres queries per request (counted by Db's
// statement counter), 5xx by reads and writes, and after the load a consistency check: the boards and
// the cached rating summaries against what Postgres computes. Then the Redis Cluster rows (cluster-bench.ts).
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { deleteByPrefix } from '../harness/context';
import type { BenchApi, BenchResult } from '../harness/define-lab';
import { startRedisServer } from '../harness/faults';
import { loadApp, type LoadResult } from '../harness/load';
import { rateMetric, ratio, type Metric } from '../harness/report';
import { TEST_SCRYPT } from '../shared/password';
import { createServingRedis, servingRedisOptions, whenRedisReady } from '../shared/redis-client';
import { clusterRows } from './cluster-bench';
import { checkConsistency, type Consistency } from './src/consistency';
import { ensureSeeded, launch, type Launched } from './src/launch';
import { hitRatios } from './src/monitoring';
import { FULL_SEED, prng, SEED_PASSWORD, type SeedSize } from './src/seed';

const QUICK_SEED: SeedSize = { books: 5_000, reviews: 50_000 };
const MODES = ['no-cache', 'cold', 'warm', 'redis-down', 'metadata-failing'] as const;
type Mode = (typeof MODES)[number];
/** The metadata breaker's call timeout (src/breaker.ts default): what a page would wait without the breaker. */
const BREAKER_CALL_TIMEOUT_MS = 300;

type Shape = { method: string; path: string; body?: string; headers?: Record<string, string> };
interface Writable {
  /** A review on a popular book, for votes. */
  voteOn: Map<number, number>;
  /** Reviews written by bench user u (1..20), for rating edits by their author. */
  own: Array<{ reviewId: number; user: number }>;
}

/** The request mix, drawn once with a seeded PRNG: the same list for every mode. */
function requestMix(popular: number[], tokens: string[], w: Writable, n: number): Shape[] {
  const rand = prng(7);
  // Skew: the cube of a uniform number favours the first (most reviewed) books.
  const pick = () => popular[Math.floor(rand() ** 3 * popular.length)]!;
  const json = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}` });
  const shapes: Shape[] = [];
  for (let i = 0; i < n; i++) {
    const x = rand();
    const id = pick();
    if (x < 0.8) shapes.push({ method: 'GET', path: `/books/${id}` });
    else if (x < 0.88) shapes.push({ method: 'GET', path: `/books/${id}/reviews?limit=20` });
    else if (x < 0.95) shapes.push({ method: 'GET', path: `/leaderboards/${rand() < 0.5 ? 'top-rated' : 'reviewed-week'}?limit=10` });
    else if (x < 0.98 || !w.own.length) {
      const reviewId = w.voteOn.get(id);
      if (reviewId) shapes.push({ method: 'POST', path: `/reviews/${reviewId}/votes`, body: JSON.stringify({ helpful: rand() < 0.7 }), headers: json(tokens[i % tokens.length]!) });
    } else {
      const own = w.own[Math.floor(rand() * w.own.length)]!;
      shapes.push({ method: 'PATCH', path: `/reviews/${own.reviewId}`, body: JSON.stringify({ rating: 1 + Math.floor(rand() * 5) }), headers: json(tokens[own.user - 1]!) });
    }
  }
  return shapes;
}

/** 5xx answers by reads (GET) and writes, from the app's own request counter. */
async function serverErrors(registry: Registry): Promise<{ reads: number; writes: number }> {
  const counter = registry.getSingleMetric('capstone_http_requests_total');
  const out = { reads: 0, writes: 0 };
  for (const v of (await counter?.get())?.values ?? []) {
    if (Number(v.labels.status) < 500) continue;
    if (v.labels.method === 'GET') out.reads += v.value;
    else out.writes += v.value;
  }
  return out;
}

interface ModeResult {
  load: LoadResult;
  queriesPerRequest: number;
  hit: Record<string, { ratio: number | null; total: number }>;
  errors: { reads: number; writes: number };
}

export async function runBench(api: BenchApi): Promise<BenchResult> {
  const { ctx, quick } = api;
  const size = quick ? QUICK_SEED : FULL_SEED;
  const duration = quick ? 3 : 10;
  await ensureSeeded(ctx, size, true);
  const { rows: top } = await ctx.pg.query<{ id: string }>('SELECT id FROM books ORDER BY review_count DESC, id LIMIT 2000');
  const popular = top.map((r) => Number(r.id));
  const { rows: firstReviews } = await ctx.pg.query<{ book_id: string; id: string }>('SELECT DISTINCT ON (book_id) book_id, id FROM reviews WHERE book_id = ANY($1::bigint[]) ORDER BY book_id, id', [popular]);
  const { rows: own } = await ctx.pg.query<{ id: string; user_id: number }>('SELECT r.id, r.user_id FROM reviews r JOIN books b ON b.id = r.book_id WHERE r.user_id <= 20 ORDER BY b.review_count DESC, r.id LIMIT 200');
  const writable: Writable = { voteOn: new Map(firstReviews.map((r) => [Number(r.book_id), Number(r.id)])), own: own.map((r) => ({ reviewId: Number(r.id), user: Number(r.user_id) })) };
  const redis = ctx.newRedis({ ...servingRedisOptions(), enableAutoPipelining: true });
  await whenRedisReady(redis, 5000);
  const quiet = ctx.log.child({}, { level: 'error' });

  // One secret for every mode: the logged-in users' tokens must verify in each service built here.
  const sessionSecret = randomBytes(32).toString('hex');
  const results: Partial<Record<Mode, ModeResult>> = {};
  let mix: Shape[] = [];
  let consistency: Consistency | undefined;
  const gets = () => mix.filter((m) => m.method === 'GET');

  /** Reads every GET of the list once through the service (the warm modes). */
  const warm = async (l: Launched) => {
    const bar = api.progress('warming', gets().length);
    for (const s of gets()) {
      bar.increment();
      const [p, q] = s.path.split('?');
      const parts = p!.split('/');
      if (parts[1] === 'books' && parts.length === 3) await l.service.bookPage(Number(parts[2]));
      else if (parts[1] === 'books') await l.service.reviewPage(Number(parts[2]), undefined, 20);
      else await l.service.leaderboard(parts[2] as 'top-rated', Number(new URLSearchParams(q).get('limit')));
    }
    bar.stop();
  };

  for (const mode of MODES) {
    // Each mode starts from an empty cache (sessions live under another namespace and stay).
    await deleteByPrefix(redis, `${ctx.prefix}capstone:`);
    const down = mode === 'redis-down' ? await startRedisServer() : undefined;
    const modeRedis = down ? createServingRedis(down.url, { name: 'capstone-bench-down' }) : redis;
    try {
      if (down) await whenRedisReady(modeRedis, 5000);
      const l = await launch(ctx, { redis: modeRedis, service: { cache: mode !== 'no-cache', passwordParams: TEST_SCRYPT, sessionSecret, log: quiet }, app: { limits: false } });
      try {
        if (!down) await l.service.boards.rebuild(l.service.db);
        if (!mix.length) {
          const tokens: string[] = [];
          for (let u = 1; u <= 20; u++) tokens.push((await l.service.auth.login(`reader${u}@example.test`, SEED_PASSWORD)).accessToken);
          mix = requestMix(popular, tokens, writable, 2000);
        }
        if (mode === 'warm') await warm(l);
        if (mode === 'metadata-failing') {
          await warm(l);
          // Pages warm, metadata gone (Redis and L1): every page needs the (failing) service, so the
          // breaker decides. Its window starts empty: the warm-up's burst of successes is not traffic.
          await deleteByPrefix(redis, `${ctx.prefix}capstone:metadata:`);
          l.service.cache.forgetLocal(popular.map((id) => l.service.keys.metadata(id)));
          await l.service.breaker.reset('bench: the window starts with the failures');
          Object.assign(l.metadata.behaviour, { failureRate: 1, latencyMs: 2_000 });
        }
        if (down) await down.stop();
        const q0 = l.service.db.queries;
        const o0 = new Map(l.service.outcomes);
        const load = await loadApp(l.app, { requests: mix, duration, connections: 20 });
        const delta = new Map([...l.service.outcomes].map(([k, n]) => [k, n - (o0.get(k) ?? 0)]));
        const hit = hitRatios(delta);
        const errors = await serverErrors(l.app.locals.metrics);
        const r: ModeResult = { load, queriesPerRequest: (l.service.db.queries - q0) / Math.max(1, load.total), hit, errors };
        results[mode] = r;
        const ratios = Object.entries(hit).filter(([, h]) => h.total).map(([res, h]) => `${res} ${Math.round(h.ratio! * 100)} %`).join(', ');
        ctx.log.info(`${mode}: ${Math.round(load.requestsPerSec)} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, ${r.queriesPerRequest.toFixed(2)} Postgres queries/request, hit ${ratios || '–'}; 5xx reads ${errors.reads}, writes ${errors.writes}`);
        if (mode === 'warm') {
          consistency = await checkConsistency(l.service, redis, popular);
          ctx.log.info(`consistency after the warm load: ${consistency.total} mismatches of ${consistency.checked} compared ${JSON.stringify(consistency.mismatches)}`);
        }
      } finally {
        if (mode === 'metadata-failing') await l.service.breaker.reset('bench mode over').catch(() => {});
        await l.close();
      }
    } finally {
      if (down) {
        modeRedis.disconnect();
        await down.dispose();
      }
    }
  }

  // Redis Cluster: a Redis hit on a private cluster vs a private single server, then a failover drill.
  const onCluster = await clusterRows(ctx, quick, { passwordParams: TEST_SCRYPT, sessionSecret, log: quiet });

  const r = results as Record<Mode, ModeResult>;
  const none = r['no-cache'];
  const metrics: Metric[] = [];
  for (const mode of MODES) {
    const m = r[mode];
    metrics.push({ ...rateMetric(`mix ${mode}`, m.load.requestsPerSec, 'req/s'), p50: m.load.latency.p50, p99: m.load.latency.p99 });
    metrics.push({ name: `${mode} Postgres queries per request`, unit: 'queries', value: Math.round(m.queriesPerRequest * 1000) / 1000 });
    for (const [res, h] of Object.entries(m.hit)) if (h.total && mode !== 'no-cache') metrics.push({ name: `${mode} ${res} hit ratio`, unit: '%', value: Math.round(h.ratio! * 1000) / 10 });
    metrics.push({ name: `${mode} 5xx on reads`, unit: 'answers', value: m.errors.reads });
    metrics.push({ name: `${mode} 5xx on writes`, unit: 'answers', value: m.errors.writes });
  }
  if (consistency) {
    metrics.push({ name: 'consistency mismatches after load', unit: 'members', value: consistency.total });
    metrics.push({ name: 'consistency members compared', unit: 'members', value: consistency.checked });
  }
  metrics.push(...onCluster.metrics);
  const ratioOf = (a: number, b: number) => a / Math.max(0.001, b);
  return {
    metrics,
    ratios: [
      ratio('warm / no-cache req/s', ratioOf(r.warm.load.requestsPerSec, none.load.requestsPerSec), { atLeast: 5 }),
      ratio('warm p99 / no-cache p99', ratioOf(r.warm.load.latency.p99, none.load.latency.p99), { atMost: 0.2 }),
      ratio('no-cache / warm Postgres queries per request', ratioOf(none.queriesPerRequest, r.warm.queriesPerRequest)),
      ratio('cold / no-cache req/s', ratioOf(r.cold.load.requestsPerSec, none.load.requestsPerSec)),
      ratio('redis-down / no-cache req/s', ratioOf(r['redis-down'].load.requestsPerSec, none.load.requestsPerSec), { atLeast: 0.9 }),
      ratio('redis-down 5xx on reads', r['redis-down'].errors.reads, { atMost: 0 }),
      ratio('metadata-failing p99 / breaker call timeout', ratioOf(r['metadata-failing'].load.latency.p99, BREAKER_CALL_TIMEOUT_MS), { atMost: 1 }),
      ratio('consistency mismatches after load', consistency?.total ?? Number.NaN, { atMost: 0 }),
      ...onCluster.ratios,
    ],
    notes: [
      `${size.books.toLocaleString('en-US')} books, ${size.reviews.toLocaleString('en-US')} reviews (Zipf-skewed); ${mix.length} request shapes cycled by autocannon, 20 connections, ${duration} s per mode; rate limits off (the bench measures caching).`,
      'Mix: 80 % book pages (skewed to the most reviewed), 8 % review pages, 7 % leaderboards, 3 % helpful votes and 2 % rating edits by 20 logged-in users (each write invalidates its book).',
      'Modes: no-cache (cache off), cold (empty cache), warm (every GET of the list loaded once), redis-down (a private redis-server stopped before the load: reads from Postgres and the L1, writes 503 by design since sessions fail closed — so 5xx are counted for reads and writes apart), metadata-failing (warm pages, metadata entries deleted, the metadata service answering 503 after 2 s: the breaker opens and pages answer degraded).',
      `Hit ratio = (HIT-L1 + HIT + WAIT + STALE) / reads per resource. Consistency: after the warm load, the three boards member by member and the rating summary of every cached page of the 2,000 most reviewed books, against Postgres.`,
      'Cluster rows: a cached user profile (no L1: a Redis hit per call) through the service, on a private 3-master cluster with a replica each vs a private single server, alternating calls; then the failover drill: GET /users/:id for 8 users whose profile entries live on the master that is killed (reads fall back to Postgres; test/failover.test.ts drills book pages and writes).',
    ],
  };
}
