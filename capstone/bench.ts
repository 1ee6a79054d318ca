// `npm run bench capstone [-- --quick]`: a realistic mix driven by autocannon — ~80 % book pages
// skewed to popular books, ~15 % review pages and leaderboards, ~5 % writes (helpful votes by
// logged-in users, each invalidating its book) — in two modes on the same data: no cache (every read
// from Postgres) and warm cache. Reports req/s, p50/p99 and Postgres queries per request, counted by
// the service's own statement counter.
import { randomBytes } from 'node:crypto';
import { deleteByPrefix } from '../harness/context';
import type { BenchApi, BenchResult } from '../harness/define-lab';
import { loadApp, type LoadResult } from '../harness/load';
import { rateMetric, ratio, type Metric } from '../harness/report';
import { servingRedisOptions, whenRedisReady } from '../shared/redis-client';
import { ensureSeeded, launch } from './src/launch';
import { prng, FULL_SEED, SEED_PASSWORD, type SeedSize } from './src/seed';
import { TEST_SCRYPT } from '../shared/password';

const QUICK_SEED: SeedSize = { books: 5_000, reviews: 50_000 };

type Shape = { method: string; path: string; body?: string; headers?: Record<string, string> };

/** The request mix, drawn once with a seeded PRNG: the same list for every mode. */
function requestMix(popular: number[], tokens: string[], reviewIds: Map<number, number>, n: number): Shape[] {
  const rand = prng(7);
  // Skew: the cube of a uniform number favours the first (most reviewed) books.
  const pick = () => popular[Math.floor(rand() ** 3 * popular.length)]!;
  const shapes: Shape[] = [];
  for (let i = 0; i < n; i++) {
    const x = rand();
    const id = pick();
    if (x < 0.8) shapes.push({ method: 'GET', path: `/books/${id}` });
    else if (x < 0.88) shapes.push({ method: 'GET', path: `/books/${id}/reviews?limit=20` });
    else if (x < 0.95) shapes.push({ method: 'GET', path: `/leaderboards/${rand() < 0.5 ? 'top-rated' : 'reviewed-week'}?limit=10` });
    else {
      const reviewId = reviewIds.get(id);
      if (!reviewId) continue;
      shapes.push({ method: 'POST', path: `/reviews/${reviewId}/votes`, body: JSON.stringify({ helpful: rand() < 0.7 }), headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` } });
    }
  }
  return shapes;
}

export async function runBench(api: BenchApi): Promise<BenchResult> {
  const { ctx, quick } = api;
  const size = quick ? QUICK_SEED : FULL_SEED;
  const duration = quick ? 3 : 10;
  await ensureSeeded(ctx, size, true);
  const { rows: top } = await ctx.pg.query<{ id: string }>('SELECT id FROM books ORDER BY review_count DESC, id LIMIT 2000');
  const popular = top.map((r) => Number(r.id));
  const { rows: firstReviews } = await ctx.pg.query<{ book_id: string; id: string }>('SELECT DISTINCT ON (book_id) book_id, id FROM reviews WHERE book_id = ANY($1::bigint[]) ORDER BY book_id, id', [popular]);
  const reviewIds = new Map(firstReviews.map((r) => [Number(r.book_id), Number(r.id)]));
  const redis = ctx.newRedis({ ...servingRedisOptions(), enableAutoPipelining: true });
  await whenRedisReady(redis, 5000);

  // One secret for both modes: the logged-in users' tokens must verify in each service built here.
  const sessionSecret = randomBytes(32).toString('hex');
  const results: Record<string, { load: LoadResult; queriesPerRequest: number }> = {};
  let mix: Shape[] = [];
  for (const mode of ['no-cache', 'warm'] as const) {
    // Each mode starts from an empty cache (sessions live under another namespace and stay).
    await deleteByPrefix(redis, `${ctx.prefix}capstone:`);
    const l = await launch(ctx, { redis, service: { cache: mode !== 'no-cache', passwordParams: TEST_SCRYPT, sessionSecret }, app: { limits: false } });
    try {
      await l.service.boards.rebuild(l.service.db);
      if (!mix.length) {
        const tokens: string[] = [];
        for (let u = 1; u <= 20; u++) tokens.push((await l.service.auth.login(`reader${u}@example.test`, SEED_PASSWORD)).accessToken);
        mix = requestMix(popular, tokens, reviewIds, 2000);
      }
      if (mode === 'warm') {
        const bar = api.progress('warming', mix.length);
        for (const s of mix.filter((m) => m.method === 'GET')) {
          bar.increment();
          const [p, q] = s.path.split('?');
          const parts = p!.split('/');
          if (parts[1] === 'books' && parts.length === 3) await l.service.bookPage(Number(parts[2]));
          else if (parts[1] === 'books') await l.service.reviewPage(Number(parts[2]), undefined, 20);
          else await l.service.leaderboard(parts[2] as 'top-rated', Number(new URLSearchParams(q).get('limit')));
        }
        bar.stop();
      }
      const q0 = l.service.db.queries;
      const load = await loadApp(l.app, { requests: mix, duration, connections: 20 });
      if (load.non2xx) ctx.log.warn(`${mode}: ${load.non2xx} answers were not 2xx`);
      results[mode] = { load, queriesPerRequest: (l.service.db.queries - q0) / Math.max(1, load.total) };
      ctx.log.info(`${mode}: ${Math.round(load.requestsPerSec)} req/s, p50 ${load.latency.p50} ms, p99 ${load.latency.p99} ms, ${results[mode].queriesPerRequest.toFixed(2)} Postgres queries/request, non-2xx ${load.non2xx}`);
    } finally {
      await l.close();
    }
  }
  const none = results['no-cache']!;
  const warm = results.warm!;
  const metrics: Metric[] = [];
  for (const [mode, r] of Object.entries(results)) {
    metrics.push({ ...rateMetric(`mix ${mode}`, r.load.requestsPerSec, 'req/s'), p50: r.load.latency.p50, p99: r.load.latency.p99 });
    metrics.push({ name: `${mode} Postgres queries per request`, unit: 'queries', p50: Math.round(r.queriesPerRequest * 1000) / 1000 });
  }
  return {
    metrics,
    ratios: [
      ratio('warm / no-cache req/s', warm.load.requestsPerSec / none.load.requestsPerSec, { atLeast: 5 }),
      ratio('warm p99 / no-cache p99', warm.load.latency.p99 / Math.max(0.001, none.load.latency.p99), { atMost: 0.2 }),
      ratio('no-cache / warm Postgres queries per request', none.queriesPerRequest / Math.max(0.001, warm.queriesPerRequest)),
    ],
    notes: [
      `${size.books.toLocaleString('en-US')} books, ${size.reviews.toLocaleString('en-US')} reviews (Zipf-skewed); ${mix.length} request shapes cycled by autocannon, 20 connections, ${duration} s per mode.`,
      'Mix: 80 % book pages (skewed to the most reviewed), 8 % review pages, 7 % leaderboards, 5 % helpful votes by 20 logged-in users (each vote invalidates its book).',
      'Not yet measured: cold cache, Redis down and metadata-failing modes (issue 16).',
    ],
  };
}
