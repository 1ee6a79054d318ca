// `npm run bench 5.1.1`: one million members loaded with pipelines, then top-10, rank and increment
// latency from Redis and from an indexed Postgres table holding the same rows, in the same run.
import { clusterVsSingle } from '../../harness/cluster-bench';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { measure } from '../../harness/latency';
import { latencyMetric, rateMetric, ratio } from '../../harness/report';
import { copyRows } from '../../harness/seed/copy';
import { Leaderboard } from './src/leaderboard';

/** A small deterministic PRNG (mulberry32), so every machine loads the same scores. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function* members(n: number) {
  const rand = prng(42);
  for (let i = 0; i < n; i++) yield { member: `player:${i}`, score: Math.floor(rand() * 1_000_000) };
}

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const n = quick ? 100_000 : 1_000_000;
  const iterations = quick ? 3_000 : 20_000;
  const board = new Leaderboard(ctx.redis, ctx.keys, 'bench', { publish: false });
  const randomMember = () => `player:${Math.floor(Math.random() * n)}`;

  // Redis: load with pipelined ZADD batches.
  const bar = progress('load Redis (ZADD batches)', n);
  const t0 = performance.now();
  await board.loadMany(members(n), 1000, (k) => bar.increment(k));
  const loadSeconds = (performance.now() - t0) / 1000;
  bar.stop();
  const loadRate = n / loadSeconds;

  const top10 = await measure(() => board.top(10), { iterations });
  const rank = await measure(() => board.rankOf(randomMember()), { iterations });
  const incr = await measure(() => board.increment(randomMember(), 1), { iterations });
  const rawZincrby = await measure(() => ctx.redis.zincrby(board.key, 0, randomMember()), { iterations });

  // The same increment on a private single server and a private 3-master cluster, call by call.
  const topology = await clusterVsSingle(ctx, {
    what: 'increment (incr-score.lua)',
    iterations: quick ? 500 : 5_000,
    setup: async (redis, keys) => {
      const b = new Leaderboard(redis, keys, 'bench-topology', { publish: false });
      await b.loadMany(members(1_000));
      return (i) => b.increment(`player:${Math.abs(i) % 1_000}`, 1);
    },
  });

  // Postgres: the same rows, with the index a leaderboard query needs.
  await ctx.pg.query('CREATE TABLE lb (member text PRIMARY KEY, score bigint NOT NULL, seq bigint NOT NULL)');
  const pgBar = progress('load Postgres (COPY)', n);
  const p0 = performance.now();
  let seq = 0;
  await copyRows(ctx.pg, 'lb', ['member', 'score', 'seq'], (function* () {
    for (const m of members(n)) yield [m.member, m.score, ++seq];
  })(), pgBar);
  await ctx.pg.query('CREATE INDEX lb_rank ON lb (score DESC, seq ASC)');
  await ctx.pg.query('ANALYZE lb');
  const pgLoadSeconds = (performance.now() - p0) / 1000;
  pgBar.stop();

  const pgTop10 = await measure(() => ctx.pg.query('SELECT member, score FROM lb ORDER BY score DESC, seq ASC LIMIT 10'), { iterations: quick ? 500 : 3_000 });
  // A rank is a count of everyone ahead: even with the index it reads O(rank) entries.
  const pgRank = await measure(
    () =>
      ctx.pg.query(
        `WITH me AS (SELECT score, seq FROM lb WHERE member = $1)
         SELECT count(*) + 1 AS rank FROM lb, me WHERE lb.score > me.score OR (lb.score = me.score AND lb.seq < me.seq)`,
        [randomMember()],
      ),
    { iterations: quick ? 10 : 40, warmup: 3 },
  );
  const pgIncr = await measure(() => ctx.pg.query("UPDATE lb SET score = score + 1, seq = seq + 1 WHERE member = $1", [randomMember()]), {
    iterations: quick ? 500 : 3_000,
  });

  return {
    metrics: [
      rateMetric('Redis load (pipelined ZADD, 1,000 per command)', loadRate, 'members/s'),
      rateMetric('Postgres load (COPY + index)', n / pgLoadSeconds, 'rows/s'),
      latencyMetric('Redis top 10 (ZRANGE REV WITHSCORES)', top10),
      latencyMetric('Redis rank of a random member (ZREVRANK + ZSCORE)', rank),
      latencyMetric('Redis increment (incr-score.lua)', incr),
      latencyMetric('Redis raw ZINCRBY', rawZincrby),
      latencyMetric('Postgres top 10 (ORDER BY … LIMIT 10, indexed)', pgTop10),
      latencyMetric('Postgres rank (count of rows ahead)', pgRank),
      latencyMetric('Postgres increment (UPDATE by primary key)', pgIncr),
      ...topology.metrics,
    ],
    ratios: [
      ratio('postgres_top10_p50 / redis_top10_p50', pgTop10.p50 / top10.p50),
      ratio('postgres_rank_p50 / redis_rank_p50', pgRank.p50 / rank.p50, { atLeast: 10 }),
      ratio('postgres_increment_p50 / redis_increment_p50', pgIncr.p50 / incr.p50),
      ratio('lua_increment_p50 / raw_zincrby_p50', incr.p50 / rawZincrby.p50),
      ratio('redis_load_rate / 200k members/s target', loadRate / 200_000, { atLeast: 1 }),
      ratio('redis_top10_p99 / 1 ms target', top10.p99 / 1000, { atMost: 1 }),
      ratio('redis_rank_p99 / 1 ms target', rank.p99 / 1000, { atMost: 1 }),
      ...topology.ratios,
    ],
    notes: [
      `${n.toLocaleString('en-US')} members with scores 0–999,999 from a fixed seed; random members for rank and increment.`,
      'Postgres holds the same rows with an index on (score DESC, seq ASC), the order the leaderboard uses.',
      'Cluster vs single: the same board (1,000 members) on a private single server and a private 3-master cluster (one replica each) on this machine, increments alternating call by call.',
      'The rank query is where the sorted set wins by orders of magnitude: ZREVRANK is O(log n), counting rows ahead is O(rank).',
    ],
  };
}
