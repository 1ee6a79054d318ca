// `npm run bench 5.2.1`: L1 hit, L2 hit, a raw GET and an upstream miss through @Memoize, the
// single-flight burst, and the hand-written LRU against lru-cache on the same workload.
import { LRUCache } from 'lru-cache';
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../../harness/cluster-bench';
import { createTestContext, type LabContext } from '../../harness/context';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { runFailoverDrill } from '../../harness/failover-drill';
import { measure } from '../../harness/latency';
import { latencyMetric, rateMetric, ratio, type Metric } from '../../harness/report';
import { listen } from '../../shared/http';
import { LruCache } from './src/lru';
import { memoOf } from './src/decorator';
import { memoRedisOptions, whenReady } from './src/memoize';
import { WeatherClient } from './src/weather-client';
import { createWeatherService } from './src/weather-service';

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

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
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

    // Redis Cluster: the L2 hit on a private cluster vs a private single server, then the failover drill.
    const topology = await clusterVsSingle(ctx, {
      what: 'L2 hit through @Memoize',
      iterations: quick ? 300 : 3_000,
      setup: async (r, keys) => {
        const c = new WeatherClient(server.url, { ttlMs: 600_000, mode: 'l2', redis: await whenReady(r), namespace: keys.key('memo') });
        await c.forecast('Paris');
        return () => c.forecast('Paris');
      },
    });
    const failover = await memoFailover(ctx, server.url);

    metrics.push(
      ...topology.metrics,
      ...failover,
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
        ...topology.ratios,
      ],
      notes: [
        `L1 and L2 hits go through the @Memoize-decorated WeatherClient.forecast (key building included); ${hitN.toLocaleString()} L1 and ${l2N.toLocaleString()} L2 calls, one at a time.`,
        `Misses: ${missN} distinct cities against the local weather service with 200 ms latency, 10 in flight.`,
        'Cluster rows: the L2 hit on a private 3-master cluster (one replica each) vs a private single server, alternating calls; the failover drill kills the memo key\'s master while 4 callers keep calling the l2-mode client (test/failover.test.ts): a Redis error is a miss, the weather API answers.',
        `LRU comparison: ${keys.length.toLocaleString()} get-or-set operations, capacity ${max.toLocaleString()}, best of 3 runs each.`,
      ],
    };
  } finally {
    await server.close();
  }
}

/** The failover drill (as in test/failover.test.ts) on the bench's private cluster: its rows. */
async function memoFailover(ctx: LabContext, weatherUrl: string) {
  const { cluster } = await benchTopologies(ctx);
  const fctx = await createTestContext('5.2.1', { redisUrl: cluster.url, serving: true, services: ['redis'] });
  try {
    const client = new WeatherClient(weatherUrl, { ttlMs: 600_000, mode: 'l2', redis: fctx.redis, namespace: fctx.keys.key('memo'), redisRetryMs: 200 });
    await client.forecast('Paris');
    const key = (memoOf(client, 'forecast') as unknown as { keyFor(...a: unknown[]): string }).keyFor('Paris');
    const r = await runFailoverDrill({ restartKilled: true, cluster, key, request: async () => Response.json(await client.forecast('Paris')) });
    return failoverMetrics(r, "failover of the memo key's master");
  } finally {
    await fctx.dispose();
  }
}
