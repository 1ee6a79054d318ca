import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { defineLab } from '../../harness/define-lab';
import { startRedisServer } from '../../harness/faults';
import { measure, round } from '../../harness/latency';
import { latencyMetric, rateMetric, ratio, type Metric } from '../../harness/report';
import { UsageError } from '../../harness/usage-error';
import { listen } from '../../shared/http';
import { LruCache } from './src/lru';
import { memoKey } from './src/memo-key';
import { memoRedisOptions, whenReady, type MemoizeOptions, type MemoStats } from './src/memoize';
import { WeatherClient } from './src/weather-client';
import { createWeatherService } from './src/weather-service';

function serviceOptions(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { latency: { type: 'string', default: '200' }, 'failure-rate': { type: 'string', default: '0' } }, strict: false });
  const latencyMs = Number(values.latency);
  const failureRate = Number(values['failure-rate']);
  if (!Number.isInteger(latencyMs) || latencyMs < 0) throw new UsageError(`--latency must be a whole number of ms, got ${values.latency}`);
  if (!(failureRate >= 0 && failureRate <= 1)) throw new UsageError(`--failure-rate must be between 0 and 1, got ${values['failure-rate']}`);
  return { latencyMs, failureRate };
}

const ms = (t0: number) => `${round(performance.now() - t0, 3)} ms`;

function statsRow(name: string, s: MemoStats | undefined) {
  if (!s) return [name, '', '', '', '', '', '', ''];
  return [name, `${s.l1.hits}/${s.l1.misses}`, `${s.l2.hits}/${s.l2.misses}`, s.l2.errors, s.upstream.calls, s.joins, s.l1.evictions, s.l1.size];
}

async function demo(ctx: LabContext, argv: string[]) {
  const { log } = ctx;
  const weather = createWeatherService(serviceOptions(argv));
  const server = await listen(weather.app);
  ctx.onDispose(() => server.close());
  const namespace = ctx.keys.key('memo');
  await deleteByPrefix(ctx.redis, `${namespace}:`); // a rerun starts cold
  const redis = await whenReady(ctx.newRedis(memoRedisOptions));
  const memo: MemoizeOptions = { ttlMs: 60_000, l1TtlMs: 10_000, max: 500, mode: 'hybrid', redis, namespace };
  log.info(`weather service on ${server.url} answers after ${serviceOptions(argv).latencyMs} ms; memo: hybrid L1 (10 s) → Redis (60 s)`);

  const a = new WeatherClient(server.url, memo);
  let t0 = performance.now();
  await a.forecast('Paris', { days: 3 });
  log.info(`A: forecast(Paris) — miss, upstream call: ${ms(t0)}`);
  t0 = performance.now();
  await a.forecast('Paris', { days: 3 });
  log.info(`A: forecast(Paris) again — L1 hit: ${ms(t0)}`);

  const keyOf = (args: unknown[]) => memoKey({ namespace, fnName: 'WeatherClient.forecast', args });
  log.info(`key for ('Oslo', {days:2, units:'metric'}) = ${keyOf(['Oslo', { days: 2, units: 'metric' }])}`);
  log.info(`key for ('Oslo', {units:'metric', days:2}) = ${keyOf(['Oslo', { units: 'metric', days: 2 }])}  (same: keys are sorted)`);
  log.info(`key for a long or unusual argument is hashed: ${keyOf(['Llanfairpwllgwyngyll\n'.repeat(4)])}`);

  weather.reset();
  t0 = performance.now();
  await Promise.all(Array.from({ length: 50 }, () => a.forecast('Tokyo')));
  log.info(`A: 50 concurrent forecast(Tokyo) — ${weather.callsFor('Tokyo')} upstream call, ${a.stats()!.joins} callers joined it (${ms(t0)})`);

  const b = new WeatherClient(server.url, memo);
  t0 = performance.now();
  await b.forecast('Paris', { days: 3 });
  log.info(`B (another process: empty L1): forecast(Paris) — L2 hit from Redis, promoted to L1: ${ms(t0)}`);
  t0 = performance.now();
  await b.forecast('Paris', { days: 3 });
  log.info(`B: forecast(Paris) again — L1 hit: ${ms(t0)}`);

  const rows = [statsRow('A', a.stats()), statsRow('B', b.stats())];
  try {
    const private_ = await startRedisServer();
    ctx.onDispose(() => private_.dispose());
    const r = new Redis(private_.url, memoRedisOptions);
    r.on('error', () => {});
    ctx.onDispose(() => r.disconnect());
    await whenReady(r);
    const c = new WeatherClient(server.url, { ...memo, redis: r });
    await c.forecast('Berlin');
    log.info(`C (own Redis on port ${private_.port}): forecast(Berlin) cached in L1 and Redis; now the Redis server stops…`);
    await private_.stop();
    t0 = performance.now();
    await c.forecast('Berlin');
    log.info(`C: forecast(Berlin) with Redis down — still an L1 hit: ${ms(t0)}`);
    t0 = performance.now();
    const madrid = await c.forecast('Madrid');
    log.info(`C: forecast(Madrid) with Redis down — Redis skipped, upstream answered (call #${madrid.call}), no error: ${ms(t0)}`);
    rows.push(statsRow('C (Redis down)', c.stats()));
  } catch (err) {
    log.warn(`skipping the Redis-down part: ${(err as Error).message}`);
  }

  const table = new Table({ head: ['client', 'L1 hit/miss', 'L2 hit/miss', 'L2 errors', 'upstream', 'joins', 'evictions', 'L1 size'] });
  table.push(...rows);
  console.log(table.toString());
  log.info(`upstream calls since the Tokyo burst: ${weather.calls} (Tokyo once, Berlin, Madrid)`);
}

/** Mixed get-or-set workload over a key space twice the capacity, skewed so some keys are hot. */
function lruWorkload(n: number, max: number): string[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return Array.from({ length: n }, () => `memo:v1:f:[${Math.floor(rnd() ** 2 * max * 2)}]`);
}

function opsPerSec(keys: string[], cache: { get(k: string): unknown; set(k: string, v: number): unknown }): number {
  const t0 = performance.now();
  for (let i = 0; i < keys.length; i++) if (cache.get(keys[i]!) === undefined) cache.set(keys[i]!, i);
  return keys.length / ((performance.now() - t0) / 1000);
}

export default defineLab({
  id: '5.2.1',
  title: 'LRU + Redis memoization decorator',
  summary: 'memoize() and @Memoize over a slow weather API: a hand-written LRU (L1), Redis (L2), stable keys, single-flight.',
  services: ['redis'],
  run: demo,
  async serve(_ctx, argv) {
    return createWeatherService(serviceOptions(argv)).app;
  },
  async bench({ ctx, quick, progress }) {
    const weather = createWeatherService({ latencyMs: 200 });
    const server = await listen(weather.app);
    const metrics: Metric[] = [];
    try {
      const redis = await whenReady(ctx.newRedis(memoRedisOptions));
      const namespace = ctx.keys.key('memo');
      const l1 = new WeatherClient(server.url, { ttlMs: 600_000, mode: 'l1', max: 10_000 });
      const l2 = new WeatherClient(server.url, { ttlMs: 600_000, mode: 'l2', redis, namespace });
      await l1.forecast('Paris');
      await l2.forecast('Paris');

      const hitN = quick ? 20_000 : 200_000;
      let bar = progress('L1 hit', hitN);
      const l1Hit = await measure(() => l1.forecast('Paris'), { iterations: hitN, warmup: 5_000, onProgress: () => bar.increment() });
      bar.stop();
      const l2N = quick ? 2_000 : 20_000;
      bar = progress('L2 hit (Redis)', l2N);
      const l2Hit = await measure(() => l2.forecast('Paris'), { iterations: l2N, warmup: 500, onProgress: () => bar.increment() });
      bar.stop();
      const rawKey = ctx.keys.key('raw');
      const text = JSON.stringify(await l1.forecast('Paris'));
      await redis.set(rawKey, text);
      const raw = await measure(() => redis.get(rawKey), { iterations: l2N, warmup: 500 });
      const missN = quick ? 20 : 200;
      bar = progress('miss (upstream 200 ms)', missN);
      const miss = await measure((i) => l1.forecast(`city-${i}`), { iterations: missN, warmup: 0, concurrency: 10, onProgress: () => bar.increment() });
      bar.stop();

      weather.reset();
      const burst = new WeatherClient(server.url, { ttlMs: 600_000, mode: 'hybrid', redis, namespace });
      await Promise.all(Array.from({ length: 100 }, () => burst.forecast('Burst')));
      const burstCalls = weather.callsFor('Burst');

      const max = 10_000;
      const keys = lruWorkload(quick ? 200_000 : 2_000_000, max);
      let mine = 0;
      let lib = 0;
      bar = progress('LRU ops/s vs lru-cache', 6);
      for (let round = 0; round < 3; round++) {
        mine = Math.max(mine, opsPerSec(keys, new LruCache<string, number>({ max, ttlMs: 600_000 })));
        bar.increment();
        lib = Math.max(lib, opsPerSec(keys, new LRUCache<string, number>({ max, ttl: 600_000 })));
        bar.increment();
      }
      bar.stop();

      metrics.push(
        latencyMetric('L1 hit (hand-written LRU, through @Memoize)', l1Hit),
        latencyMetric('L2 hit (Redis GET + JSON decode)', l2Hit),
        latencyMetric('raw ioredis GET of the same value', raw),
        latencyMetric('miss (HTTP call to the 200 ms weather API)', miss),
        rateMetric('hand-written LRU get-or-set', mine),
        rateMetric('lru-cache get-or-set', lib),
        { name: 'upstream calls for 100 concurrent identical calls', unit: 'calls', value: burstCalls },
      );
      return {
        metrics,
        ratios: [
          ratio('l1_hit_p50_us', l1Hit.p50, { atMost: 5 }),
          ratio('l2_hit_p50 / l1_hit_p50', l2Hit.p50 / l1Hit.p50),
          ratio('miss_p50 / l2_hit_p50', miss.p50 / l2Hit.p50),
          ratio('miss_p50 / l1_hit_p50', miss.p50 / l1Hit.p50),
          ratio('l2_hit_p50 / raw_get_p50', l2Hit.p50 / raw.p50, undefined, 'what decoding and the envelope cost over a bare GET'),
          ratio('hand_lru_ops / lru_cache_ops', mine / lib, undefined, 'mixed get-or-set, 2× key space, skewed'),
          ratio('upstream_calls_per_100_concurrent', burstCalls, { atMost: 1 }),
        ],
        notes: [
          `L1 and L2 hits go through the @Memoize-decorated WeatherClient.forecast (key building included); ${hitN.toLocaleString()} L1 and ${l2N.toLocaleString()} L2 calls, one at a time.`,
          `Misses: ${missN} distinct cities against the local weather service with 200 ms latency, 10 in flight.`,
          `LRU comparison: ${keys.length.toLocaleString()} get-or-set operations, capacity ${max.toLocaleString()}, best of 3 runs each.`,
        ],
      };
    } finally {
      await server.close();
    }
  },
});
