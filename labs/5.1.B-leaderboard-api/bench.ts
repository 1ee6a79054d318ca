// `npm run bench 5.1.B`: autocannon against the API and, in the same run, against a bare express route.
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { createBareApp, loadApp, type LoadOptions, type LoadResult } from '../../harness/load';
import { ratio, type Metric } from '../../harness/report';
import { clusterRows } from './cluster-bench';
import { lbKeys } from './src/keys';
import { leaderboardService, removeGame, servedTopCacheMs } from './src/service';

/** Sums a route's slices: req/s over all of them, mean p50, worst p99 and max. */
function combine(rs: LoadResult[]): LoadResult {
  const sum = (f: (r: LoadResult) => number) => rs.reduce((n, r) => n + f(r), 0);
  const worst = (f: (r: LoadResult) => number) => Math.max(...rs.map(f));
  return {
    requestsPerSec: sum((r) => r.total) / sum((r) => r.durationSec),
    latency: { p50: Math.round((sum((r) => r.latency.p50) / rs.length) * 10) / 10, p97_5: worst((r) => r.latency.p97_5), p99: worst((r) => r.latency.p99), max: worst((r) => r.latency.max), mean: sum((r) => r.latency.mean) / rs.length },
    total: sum((r) => r.total),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    durationSec: sum((r) => r.durationSec),
  };
}

const httpMetric = (name: string, r: LoadResult): Metric => ({ name, unit: 'ms', p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, ops: Math.round(r.requestsPerSec) });

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const game = 'bench';
  const keys = lbKeys(ctx.keys);
  const players = quick ? 2_000 : 10_000;
  const rounds = quick ? 2 : 5;
  const slice = 1; // seconds per slice: 5 s per route in all (2 s with --quick)
  const connections = 20;
  await removeGame(ctx, game); // leftovers of an interrupted run

  const seed = progress('seed all-time board', players);
  for (let i = 0; i < players; i += 1_000) {
    const args: Array<string | number> = [];
    for (let j = i; j < Math.min(players, i + 1_000); j++) args.push(Math.floor(Math.random() * 1_000_000), `player-${j}`);
    await ctx.redis.zadd(keys.board(game, 'alltime', 'all'), ...args);
    seed.increment(args.length / 2);
  }
  seed.stop();

  const cacheMs = servedTopCacheMs();
  const service = await leaderboardService(ctx); // as served: first pages micro-cached for cacheMs
  const uncached = await leaderboardService(ctx, { topCacheMs: 0 }); // a Redis read on every request
  const common: LoadOptions = { connections };
  // 500 request shapes with different players and scores, cycled: each POST runs the submit script.
  const submits = Array.from({ length: 500 }, (_, i) => ({
    method: 'POST',
    path: `/games/${game}/scores`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ player: `player-${(i * 7919) % players}`, score: Math.floor(Math.random() * 1_000_000) }),
  }));
  // The machine is shared, so its load drifts during a run: the routes take turns in short slices
  // (bare, uncached, served, submit, bare, …) and each total is summed over its slices, so a busy
  // moment hits all of them alike instead of skewing one ratio.
  const topPath = `/games/${game}/boards/alltime?limit=100`;
  const routes: Array<[string, Parameters<typeof loadApp>[0], LoadOptions]> = [
    ['bare', createBareApp(), { path: '/bare' }],
    ['topUncached', uncached.app, { path: topPath }],
    ['top', service.app, { path: topPath }],
    ['submit', service.app, { requests: submits }],
  ];
  const slices: Record<string, LoadResult[]> = {};
  const bar = progress('load slices', rounds * routes.length);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [name, app, opts] of routes) {
        (slices[name] ??= []).push(await loadApp(app, { ...common, ...opts, duration: slice }));
        bar.increment();
      }
    }
  } finally {
    bar.stop();
    await service.close();
    await uncached.close();
    await removeGame(ctx, game);
  }
  const [bare, topUncached, top, submit] = routes.map(([name]) => combine(slices[name]!));
  const errors = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;
  // Redis Cluster: the submit script on a private cluster vs one server, then a failover drill.
  const onCluster = await clusterRows(ctx, quick);
  return {
    metrics: [
      httpMetric('bare express GET /bare', bare),
      httpMetric('GET top 100, Redis read every request', topUncached),
      httpMetric(`GET top 100, as served (${cacheMs} ms micro-cache)`, top),
      httpMetric('POST score (Lua: 3 boards + stats + history)', submit),
      ...onCluster.metrics,
    ],
    ratios: [
      ratio('top100_rps / bare_rps', top.requestsPerSec / bare.requestsPerSec, { atLeast: 0.6 }, `as served: first page micro-cached ${cacheMs} ms, cleared by top-N events`),
      ratio('top100_uncached_rps / bare_rps', topUncached.requestsPerSec / bare.requestsPerSec, { atLeast: 0.6 }, 'ZREVRANGE 0 100 + JSON on every request'),
      ratio('submit_rps / bare_rps', submit.requestsPerSec / bare.requestsPerSec),
      ...onCluster.ratios,
    ],
    notes: [
      `${players.toLocaleString('en-US')} players on the all-time board; autocannon with ${connections} connections, ${rounds} rounds of ${slice} s slices per route taken in turns (${rounds * slice} s per route), all in this run; req/s = requests ÷ seconds over the slices, p50 the mean of the slices' p50, p99 and max the worst slice.`,
      'The bare route is express answering {"ok":true}; the API routes also pass zod validation, the metrics middleware and a Redis round trip.',
      `Non-2xx or failed responses: bare ${errors(bare)}, top-100 ${errors(topUncached)} / ${errors(top)} (uncached / served), submit ${errors(submit)}.`,
      'Cluster: the submit script called directly (no HTTP) on a private single server and a private 3-master cluster with one replica each, alternating call by call; then the failover drill of test/failover.test.ts (submits and top-10 reads while the master of the game\'s slot is killed).',
      'Load generator, API and Redis share the machine\'s cores, so the Redis round trip costs the API CPU the bare route does not pay.',
    ],
  };
}
