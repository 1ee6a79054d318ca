// `npm run bench 5.3.3`: (1) what a breaker adds to a call of a fast in-process function — none,
// opossum (in-process, the anchor), the shared Redis breaker with a 1 s local view and reading Redis on
// every call; closed and open. (2) How long after a downstream starts failing every one of 3 instances
// refuses calls, and how many failing calls they made meanwhile: shared breaker vs 3 opossums.
import CircuitBreaker from 'opossum';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { LatencyRecorder, type LatencyStats } from '../../harness/latency';
import { latencyMetric, ratio, type Metric } from '../../harness/report';
import { listen } from '../../shared/http';
import { breakerRedisOptions, createBreaker, type RedisCircuitBreaker } from './src/breaker';
import { callDownstream, createDownstream, setBehaviour } from './src/downstream';

const INSTANCES = 3;
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

  // ---- 2. from the downstream failing to every instance refusing ---------------------------------
  const downstream = createDownstream();
  const service = await listen(downstream.app);
  const rounds = quick ? 3 : 10;
  const variants: Array<[string, () => Promise<Caller[]>]> = [
    ['redis breaker + pub/sub', () => redisCallers(ctx, service.url, true)],
    ['redis breaker, no pub/sub', () => redisCallers(ctx, service.url, false)],
    ['3 × opossum (each on its own)', async () => opossumCallers(service.url)],
  ];
  const results = new Map<string, { ms: number[]; failed: number[] }>();
  const bar2 = progress('downstream fails → all refuse (rounds × variants)', rounds * variants.length);
  for (let r = 0; r < rounds; r++) {
    for (const [name, build] of variants) {
      await setBehaviour(service.url, { failureRate: 0 });
      const callers = await build();
      const res = await untilAllRefuse(callers, () => setBehaviour(service.url, { failureRate: 1 }));
      for (const c of callers) await c.close();
      const entry = results.get(name) ?? { ms: [], failed: [] };
      entry.ms.push(res.ms);
      entry.failed.push(res.failed);
      results.set(name, entry);
      bar2.increment();
    }
  }
  bar2.stop();
  await service.close();
  const summary = new Map<string, { p50: number; failedP50: number }>();
  for (const [name, { ms, failed }] of results) {
    metrics.push({ name: `downstream fails → all ${INSTANCES} instances refuse: ${name}`, unit: 'ms', p50: pct(ms, 50), p90: pct(ms, 90), p99: pct(ms, 99), max: Math.max(...ms) });
    metrics.push({ name: `failing calls made before all refuse: ${name}`, unit: 'calls', p50: pct(failed, 50), max: Math.max(...failed) });
    summary.set(name, { p50: pct(ms, 50), failedP50: pct(failed, 50) });
  }
  const shared = summary.get('redis breaker + pub/sub')!;
  const alone = summary.get('3 × opossum (each on its own)')!;
  ratios.push(
    ratio('opossum_all_refusing_ms / redis_all_refusing_ms (p50)', alone.p50 / shared.p50, { atLeast: 1.5 }, 'a shared window trips on everybody\'s failures'),
    ratio('opossum_failed_calls / redis_failed_calls (p50)', alone.failedP50 / shared.failedP50, { atLeast: 2 }, `≈ ${INSTANCES}: each in-process breaker needs its own ${MIN_VOLUME} failures`),
  );

  return {
    metrics,
    ratios,
    notes: [
      `Overhead: ${iterations.toLocaleString()} calls of an async function returning 42, every variant interleaved call by call (a, b, c, … a, b, c) so machine load hits all alike. The Redis breaker is closed with a fresh local view, so a call costs one EVALSHA (record); "read Redis on every call" (localViewTtlMs 0) adds the admit script.`,
      `Propagation: ${INSTANCES} instances in this process, each with its own Redis connections, start calling a loopback HTTP downstream in a loop (2 ms apart) at t0, when it has just started failing every call, with an empty window. Measured: t0 → the moment each instance has refused a call, the slowest of the three; and the failing calls that reached the downstream meanwhile. ${rounds} rounds per variant; rules: ≥ ${MIN_VOLUME} calls and ≥ 50 % failing in a 10 s window.`,
      'Latency percentiles of the overhead rows are for one call with nothing else in flight; the p99/max columns on a shared 2-core machine include scheduler stalls.',
      'Without pub/sub an instance still learns the state from its very next record reply, so under steady traffic the gap is one call; pub/sub matters for instances that are idle or slow when the breaker opens (and for admin actions).',
    ],
  };
}

interface Caller {
  call(): Promise<'ok' | 'failed' | 'refused'>;
  close(): Promise<void>;
}

async function redisCallers(ctx: BenchApi['ctx'], url: string, pubsub: boolean): Promise<Caller[]> {
  const name = `bench-propagation-${pubsub ? 'pubsub' : 'nopubsub'}`;
  const callers: Caller[] = [];
  for (let i = 0; i < INSTANCES; i++) {
    const b: RedisCircuitBreaker = await createBreaker({
      name,
      redis: ctx.newRedis(breakerRedisOptions),
      subscriber: pubsub ? ctx.newRedis() : undefined,
      keys: ctx.keys,
      minVolume: MIN_VOLUME,
      coolDownMs: 60_000,
    });
    if (i === 0) await b.reset('bench round');
    callers.push({
      call: () => b.call(async () => (await callDownstream(url), 'ok' as const), ({ reason }) => (reason === 'open' ? 'refused' : 'failed')),
      close: () => b.close(),
    });
  }
  return callers;
}

function opossumCallers(url: string): Caller[] {
  return Array.from({ length: INSTANCES }, () => {
    const b = new CircuitBreaker(() => callDownstream(url), { timeout: false, errorThresholdPercentage: 50, volumeThreshold: MIN_VOLUME, resetTimeout: 60_000, rollingCountTimeout: 10_000, rollingCountBuckets: 10 });
    return {
      call: () => b.fire().then(
        () => 'ok' as const,
        () => (b.opened ? 'refused' : 'failed'),
      ),
      close: async () => b.shutdown(),
    };
  });
}

/** Breaks the downstream, runs every caller in a loop, and stops once each caller has been refused. */
async function untilAllRefuse(callers: Caller[], breakIt: () => Promise<unknown>): Promise<{ ms: number; failed: number }> {
  await breakIt();
  const brokenAt = performance.now();
  let failed = 0;
  const refusedAt: number[] = [];
  await Promise.all(
    callers.map(async (c, i) => {
      while (refusedAt[i] === undefined && performance.now() - brokenAt < 10_000) {
        const outcome = await c.call();
        if (outcome === 'failed') failed++;
        if (outcome === 'refused') refusedAt[i] = performance.now();
        else await new Promise((r) => setTimeout(r, 2));
      }
    }),
  );
  const last = Math.max(...callers.map((_, i) => refusedAt[i] ?? brokenAt + 10_000));
  return { ms: Math.round((last - brokenAt) * 10) / 10, failed };
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
