// What a lab's bench reports about Redis Cluster, measured in the same run as its other rows:
// - the hot path's ops/s on a private 3-master cluster (one replica each) against a private single
//   server, call by call alternately (measurePair), so the ratio is the client's routing cost on this
//   machine (one machine is never faster as a cluster: the cluster's gain is capacity across hosts);
// - the failover drill's error window, as metrics a report can show.
import type { KeyBuilder } from '../shared/keys';
import { connectRedis, type RedisClient } from '../shared/redis-client';
import { startRedisCluster, type LocalCluster } from './cluster';
import type { LabContext } from './context';
import { startRedisServer, type ManagedRedis } from './faults';
import type { FailoverDrillResult } from './failover-drill';
import type { LatencyStats } from './latency';
import { measurePair } from './measure-pair';
import { latencyMetric, ratio, type Metric, type Ratio } from './report';

interface Pair {
  single: ManagedRedis;
  cluster: LocalCluster;
}

// One pair per bench run (the context outlives its rounds), stopped with the context.
const pairs = new WeakMap<LabContext, Promise<Pair>>();

/** The private single server and cluster a bench compares on; started once per bench run. */
export function benchTopologies(ctx: LabContext): Promise<Pair> {
  let p = pairs.get(ctx);
  if (!p) {
    p = Promise.all([startRedisServer(), startRedisCluster({ replicas: 1 })]).then(([single, cluster]) => ({ single, cluster }));
    pairs.set(ctx, p);
    ctx.onDispose(async () => {
      const { single, cluster } = await p!;
      await Promise.all([single.dispose(), cluster.dispose()]);
    });
  }
  return p;
}

export interface ClusterVsSingleOptions {
  /** Builds the lab's hot path on a client (the same code for both): returns one call. */
  setup: (redis: RedisClient, keys: KeyBuilder) => Promise<(i: number) => Promise<unknown>>;
  /** What the hot path is, e.g. `submit score`. */
  what: string;
  iterations: number;
}

export async function clusterVsSingle(ctx: LabContext, opts: ClusterVsSingleOptions): Promise<{ metrics: Metric[]; ratios: Ratio[] }> {
  const { single, cluster } = await benchTopologies(ctx);
  const a = connectRedis(single.url);
  const b = connectRedis(cluster.url);
  try {
    const [onSingle, onCluster] = await Promise.all([opts.setup(a, ctx.keys), opts.setup(b, ctx.keys)]);
    const [s, c] = await measurePair(onSingle, onCluster, opts.iterations, Math.min(200, opts.iterations));
    return {
      metrics: [perCall(`${opts.what} on one Redis`, s), perCall(`${opts.what} on a 3-master cluster`, c)],
      // Alternating calls share one wall clock, so each side's ops/s is the same by construction; what
      // differs is the time per call: one caller's ops/s on each topology is 1 / its mean latency.
      ratios: [ratio(`cluster / single ops/s (${opts.what})`, s.mean / c.mean, undefined, 'one caller, calls alternating between the two; ops/s of each = 1 / its mean latency; the ratio is the cluster client\'s routing cost on one machine')],
    };
  } finally {
    a.disconnect();
    b.disconnect();
  }
}

/** A latency row whose ops/s is one caller's rate on that side alone (1 / mean), not the shared wall clock's. */
function perCall(name: string, st: LatencyStats): Metric {
  return { ...latencyMetric(name, st), ops: Math.round(1e6 / st.mean) };
}

/** A failover drill as report rows: the error window, failed requests and the promotion time. */
export function failoverMetrics(r: FailoverDrillResult, what = 'failover'): Metric[] {
  return [
    { name: `${what}: replica serving after`, unit: 'ms', value: Math.round(r.failover.ms) },
    { name: `${what}: error window (kill → last failed request)`, unit: 'ms', value: Math.round(r.errorWindowMs) },
    { name: `${what}: failed requests`, unit: 'requests', value: r.failed.length },
    { name: `${what}: requests during the drill`, unit: 'requests', value: r.samples.length },
  ];
}
