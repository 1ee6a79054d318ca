// `npm run bench 5.3.3`: (1) what a breaker adds to a call of a fast in-process function — none,
// opossum (in-process, the anchor), the shared Redis breaker with a 1 s local view and reading Redis on
// every call; closed and open. (2) How long after a downstream starts failing every one of 3 forked
// processes refuses calls, and how many failing calls they made meanwhile: shared breaker vs 3 opossums.
import CircuitBreaker from 'opossum';
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../../harness/cluster-bench';
import { createTestContext, type LabContext } from '../../harness/context';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { runFailoverDrill } from '../../harness/failover-drill';
import { LatencyRecorder, type LatencyStats } from '../../harness/latency';
import { latencyMetric, ratio, type Metric } from '../../harness/report';
import { listen } from '../../shared/http';
import { createGateway } from './src/app';
import { breakerRedisOptions, createBreaker } from './src/breaker';
import { createDownstream, setBehaviour } from './src/downstream';
import type { Variant } from './bench-caller';
import { startFleet } from './bench-fleet';

const PROCESSES = 3;
/** A process not refused by then counts as refused at this time (and the round says so in the notes). */
const GIVE_UP_MS = 10_000;
const MIN_VOLUME = 20;

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const metrics: Metric[] = [];
  const ratios = [];

  // ---- 1. overhead per call --------------------------------------------------------------------
  const iterations = quick ? 2_000 : 20_000;
  const fast = async () => 42;
  const opossum = new CircuitBreaker(fast, { timeout: false, errorThresholdPercentage: 50, volumeThreshold: MIN_VOLUME, resetTimeout: 5_000 });
  const opossumOpen = new CircuitBreaker(fast, { timeout: false });
  opossumOpen.open();
  const make = (name: string, localViewTtlMs: number) =>
    createBreaker({ name, redis: ctx.newRedis(breakerRedisOptions), keys: ctx.keys, minVolume: MIN_VOLUME, localViewTtlMs });
  const viewed = await make('bench-overhead', 1_000);
  const readEach = await make('bench-overhead-read', 0);
  const open = await make('bench-overhead-open', 1_000);
  for (const b of [viewed, readEach]) await b.reset('bench');
  await open.forceOpen('bench');
  const refused = () => 0;
  const sides: Array<[string, () => Promise<unknown>]> = [
    ['no breaker', fast],
    ['opossum (in-process), closed', () => opossum.fire()],
    ['redis breaker, closed (1 s local view: record script only)', () => viewed.call(fast)],
    ['redis breaker, closed (read Redis on every call: admit + record)', () => readEach.call(fast)],
    ['opossum, open (refuses)', () => opossumOpen.fire().catch(refused)],
    ['redis breaker, open (refused from the local view)', () => open.call(fast, refused)],
  ];
  const bar = progress('overhead per call (interleaved)', iterations);
  const stats = await interleaved(sides.map(([, fn]) => fn), iterations, () => bar.increment());
  bar.stop();
  // No ops/s: interleaved calls share one wall time, so a per-variant rate would mean nothing.
  sides.forEach(([name], i) => metrics.push({ ...latencyMetric(`call overhead: ${name}`, stats[i]!), ops: undefined }));
  const [bare, opo, redis, redisRead, opoOpen, redisOpen] = stats as [LatencyStats, LatencyStats, LatencyStats, LatencyStats, LatencyStats, LatencyStats];
  ratios.push(
    ratio('redis_breaker_p50 / opossum_p50', redis.p50 / opo.p50, undefined, 'one Redis round trip per call vs none'),
    ratio('redis_breaker_p99 / opossum_p99', redis.p99 / opo.p99),
    ratio('redis_read_every_call_p50 / redis_breaker_p50', redisRead.p50 / redis.p50, { atMost: 2.5 }, 'admit + record vs record only: the price of no local view'),
    ratio('opossum_p50 / no_breaker_p50', opo.p50 / bare.p50),
    ratio('redis_open_refusal_p50 / opossum_open_p50', redisOpen.p50 / opoOpen.p50, { atMost: 5 }, 'an open breaker answers from memory: no round trip'),
  );
  for (const b of [viewed, readEach, open]) await b.close();

  // ---- 2. from the downstream failing to every process refusing ----------------------------------
  const downstream = createDownstream();
  const service = await listen(downstream.app);
  const rounds = quick ? 3 : 10;
  const variants: Array<[string, Variant]> = [
    ['redis breaker + pub/sub', 'redis-pubsub'],
    ['redis breaker, no pub/sub', 'redis'],
    [`${PROCESSES} × opossum (each on its own)`, 'opossum'],
  ];
  const results = new Map<string, { ms: number[]; failed: number[] }>();
  const name = 'bench-propagation';
  let gaveUp = 0;
  // Resets the shared state between rounds (the callers read it when they arm).
  const resetter = await createBreaker({ name, redis: ctx.newRedis(breakerRedisOptions), keys: ctx.keys });
  const fleet = await startFleet(PROCESSES);
  try {
    const bar2 = progress(`downstream fails → all ${PROCESSES} processes refuse (rounds × variants)`, rounds * variants.length);
    for (let r = 0; r < rounds; r++) {
      for (const [label, variant] of variants) {
        await setBehaviour(service.url, { failureRate: 0 }, downstream.adminKey);
        await resetter.reset('bench round');
        const arm = { variant, name, downstreamUrl: service.url, redisUrl: ctx.services.redis.url, prefix: ctx.keys.prefix, lab: ctx.keys.lab, minVolume: MIN_VOLUME, giveUpMs: GIVE_UP_MS };
        const res = await fleet.round(arm, () => setBehaviour(service.url, { failureRate: 1 }, downstream.adminKey));
        gaveUp += res.refusedAt.filter((at) => at === undefined).length;
        const last = Math.max(...res.refusedAt.map((at) => at ?? res.t0 + GIVE_UP_MS));
        const entry = results.get(label) ?? { ms: [], failed: [] };
        entry.ms.push(Math.round((last - res.t0) * 10) / 10);
        entry.failed.push(res.failed.reduce((a, b) => a + b, 0));
        results.set(label, entry);
        bar2.increment();
      }
    }
    bar2.stop();
  } finally {
    fleet.close();
    await resetter.close();
    await service.close();
  }
  const summary = new Map<string, { p50: number; failedP50: number }>();
  for (const [name, { ms, failed }] of results) {
    metrics.push({ name: `downstream fails → all ${PROCESSES} processes refuse: ${name}`, unit: 'ms', p50: pct(ms, 50), p90: pct(ms, 90), p99: pct(ms, 99), max: Math.max(...ms) });
    metrics.push({ name: `failing calls made before all refuse: ${name}`, unit: 'calls', p50: pct(failed, 50), max: Math.max(...failed) });
    summary.set(name, { p50: pct(ms, 50), failedP50: pct(failed, 50) });
  }
  const shared = summary.get('redis breaker + pub/sub')!;
  const alone = summary.get(`${PROCESSES} × opossum (each on its own)`)!;
  ratios.push(
    ratio('opossum_all_refusing_ms / redis_all_refusing_ms (p50)', alone.p50 / shared.p50, { atLeast: 1.5 }, 'a shared window trips on everybody\'s failures'),
    // Not opossum's failed calls over ours: that is ≈ the process count by construction (each opossum
    // needs its own minimum volume). What is measured is the overshoot: failing calls made beyond the
    // minimum that trips a window, i.e. calls sent while the open state was still on its way.
    ratio('redis_failed_calls / min_volume (p50)', shared.failedP50 / MIN_VOLUME, { atMost: 1.5 }, `failing calls before all ${PROCESSES} refuse, over the ${MIN_VOLUME} that trip the shared window: the propagation overshoot`),
    ratio(`opossum_failed_calls / (${PROCESSES} × min_volume) (p50)`, alone.failedP50 / (PROCESSES * MIN_VOLUME), undefined, `the same overshoot for ${PROCESSES} opossums, each tripping on its own ${MIN_VOLUME}`),
  );

  // ---- 3. Redis Cluster -----------------------------------------------------------------------------
  // A call that reads Redis every time (admit + record, one {name}-tagged slot) on a private cluster
  // against a private single server; then the gateway's failover drill on that cluster.
  const topology = await clusterVsSingle(ctx, {
    what: 'breaker call, admit + record',
    iterations: quick ? 300 : 3_000,
    setup: async (redis, keys) => {
      const b = await createBreaker({ name: 'bench-topology', redis, keys, minVolume: MIN_VOLUME, localViewTtlMs: 0 });
      ctx.onDispose(() => b.close());
      return () => b.call(fast);
    },
  });
  metrics.push(...topology.metrics, ...(await gatewayFailover(ctx)));
  ratios.push(...topology.ratios);

  return {
    metrics,
    ratios,
    notes: [
      `Overhead: ${iterations.toLocaleString()} calls of an async function returning 42, every variant interleaved call by call (a, b, c, … a, b, c) so machine load hits all alike. The Redis breaker is closed with a fresh local view, so a call costs one EVALSHA (record); "read Redis on every call" (localViewTtlMs 0) adds the admit script.`,
      `Propagation: ${PROCESSES} forked OS processes, each with its own breaker (the shared one on its own Redis connections and, for pub/sub, its own subscriber; or its own in-process opossum, which sees only its own failures), armed with an empty window and a warm keep-alive connection to a loopback HTTP downstream. The parent switches the downstream to failing every call, stamps t0 on its monotonic clock and tells every process to go; each calls in a loop (2 ms apart) and reports over IPC the moment it is first refused, stamped on arrival in the parent. Measured: t0 → the last of the ${PROCESSES} arrivals (so it includes two IPC hops, go and refused, the same for every variant); and the failing calls the processes made meanwhile. ${rounds} rounds per variant${gaveUp ? `; ${gaveUp} process-rounds were not refused within ${GIVE_UP_MS / 1000} s and count as ${GIVE_UP_MS / 1000} s` : ''}; rules: ≥ ${MIN_VOLUME} calls and ≥ 50 % failing in a 10 s window.`,
      'Latency percentiles of the overhead rows are for one call with nothing else in flight; the p99/max columns on a shared 2-core machine include scheduler stalls.',
      'Without pub/sub an instance still learns the state from its very next record reply, so under steady traffic the gap is one call; pub/sub matters for instances that are idle or slow when the breaker opens (and for admin actions).',
    ],
  };
}

/** Calls each function once per round, in turn, so all of them see the same machine. */
async function interleaved(fns: Array<() => Promise<unknown>>, iterations: number, tick: () => void, warmup = 200): Promise<LatencyStats[]> {
  for (let i = 0; i < warmup; i++) for (const fn of fns) await fn();
  const recorders = fns.map(() => new LatencyRecorder());
  recorders.forEach((r) => r.start());
  for (let i = 0; i < iterations; i++) {
    for (let k = 0; k < fns.length; k++) await recorders[k]!.time(fns[k]!);
    tick();
  }
  recorders.forEach((r) => r.stop());
  return recorders.map((r) => r.stats());
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** /checkout under the failover of breaker "payments"'s master, on the bench's private cluster. */
async function gatewayFailover(ctx: LabContext): Promise<Metric[]> {
  const { cluster } = await benchTopologies(ctx);
  const fctx = await createTestContext('5.3.3', { redisUrl: cluster.url, serving: true, services: ['redis'] });
  const gw = createGateway({ redis: fctx.newRedis(breakerRedisOptions), subscriber: fctx.newRedis(), keys: fctx.keys, apiKeys: {} });
  const http = await listen(gw.app);
  try {
    const r = await runFailoverDrill({ restartKilled: true,
      cluster,
      key: fctx.keys.tagged('breaker', 'payments'),
      request: (signal) => fetch(`${http.url}/checkout`, { signal }),
    });
    return failoverMetrics(r, 'failover of the breaker\'s master');
  } finally {
    await http.close();
    await gw.close();
    await fctx.dispose();
  }
}
