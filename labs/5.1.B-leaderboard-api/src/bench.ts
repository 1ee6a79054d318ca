// `npm run bench 5.1.B`: autocannon against the API and, in the same run, against a bare express route.
import type { BenchApi, BenchResult } from '../../../harness/define-lab';
import { createBareApp, loadApp, type LoadOptions, type LoadResult } from '../../../harness/load';
import { ratio, type Metric } from '../../../harness/report';
import { deleteArchives } from './archive';
import { deleteGame, lbKeys } from './keys';
import { leaderboardService } from './service';

const httpMetric = (name: string, r: LoadResult): Metric => ({ name, unit: 'ms', p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, ops: Math.round(r.requestsPerSec) });

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const game = 'bench';
  const keys = lbKeys(ctx.keys);
  const players = quick ? 2_000 : 10_000;
  const duration = quick ? 2 : 5;
  const connections = 20;
  await deleteGame(ctx.redis, keys, game);

  const seed = progress('seed all-time board', players);
  for (let i = 0; i < players; i += 1_000) {
    const args: Array<string | number> = [];
    for (let j = i; j < Math.min(players, i + 1_000); j++) args.push(Math.floor(Math.random() * 1_000_000), `player-${j}`);
    await ctx.redis.zadd(keys.board(game, 'alltime', 'all'), ...args);
    seed.increment(args.length / 2);
  }
  seed.stop();

  const service = await leaderboardService(ctx);
  const common: LoadOptions = { duration, connections };
  // 500 request shapes with different players and scores, cycled: each POST runs the submit script.
  const submits = Array.from({ length: 500 }, (_, i) => ({
    method: 'POST',
    path: `/games/${game}/scores`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ player: `player-${(i * 7919) % players}`, score: Math.floor(Math.random() * 1_000_000) }),
  }));
  const bar = progress('load (bare, top-100, submit)', 3);
  let bare: LoadResult, top: LoadResult, submit: LoadResult;
  try {
    bare = await loadApp(createBareApp(), { ...common, path: '/bare' });
    bar.increment();
    top = await loadApp(service.app, { ...common, path: `/games/${game}/boards/alltime?limit=100` });
    bar.increment();
    submit = await loadApp(service.app, { ...common, requests: submits });
    bar.increment();
  } finally {
    bar.stop();
    await service.close();
    await deleteGame(ctx.redis, keys, game);
    await deleteArchives(ctx.pg, game);
  }
  const errors = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;
  return {
    metrics: [httpMetric('bare express GET /bare', bare), httpMetric('GET top 100 (all-time board)', top), httpMetric('POST score (Lua: 3 boards + stats + history)', submit)],
    ratios: [
      ratio('top100_rps / bare_rps', top.requestsPerSec / bare.requestsPerSec, { atLeast: 0.6 }),
      ratio('submit_rps / bare_rps', submit.requestsPerSec / bare.requestsPerSec),
    ],
    notes: [
      `${players.toLocaleString('en-US')} players on the all-time board; ${duration} s of autocannon per route, ${connections} connections, all three in this run.`,
      'The bare route is express answering {"ok":true}; the API routes also pass zod validation, the metrics middleware and a Redis round trip.',
      `Non-2xx or failed responses: bare ${errors(bare)}, top-100 ${errors(top)}, submit ${errors(submit)}.`,
    ],
  };
}
