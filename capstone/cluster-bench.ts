// The bench's Redis Cluster rows: a cached user profile (no L1, so every call is a Redis hit) read on a
// private 3-master cluster vs a private single server, and the failover drill: GET /users/:id for
// users whose profile entries live on the master that is killed (test/failover.test.ts drills book
// pages and writes; this one drills the reads that have no L1 in front of Redis).
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../harness/cluster-bench';
import type { LabContext } from '../harness/context';
import { runFailoverDrill } from '../harness/failover-drill';
import type { Metric, Ratio } from '../harness/report';
import { listen } from '../shared/http';
import { createServingRedis, whenRedisReady } from '../shared/redis-client';
import type { BookServiceOptions } from './src/service';
import { launch, type Launched } from './src/launch';

export async function clusterRows(ctx: LabContext, quick: boolean, service: Partial<BookServiceOptions>): Promise<{ metrics: Metric[]; ratios: Ratio[] }> {
  const launched: Launched[] = [];
  let hot: { metrics: Metric[]; ratios: Ratio[] };
  try {
    hot = await clusterVsSingle(ctx, {
      what: 'user profile, Redis hit',
      iterations: quick ? 500 : 5_000,
      setup: async (redis) => {
        const l = await launch(ctx, { redis, service, app: { limits: false } });
        launched.push(l);
        for (let u = 1; u <= 100; u++) await l.service.userProfile(u);
        return (i) => l.service.userProfile(1 + (Math.abs(i) % 100)); // warm-up calls pass negative i
      },
    });
  } finally {
    await Promise.all(launched.map((l) => l.close()));
  }

  // Last: it kills a master of the bench's cluster (its replica takes over).
  const { cluster } = await benchTopologies(ctx);
  const redis = createServingRedis(cluster.url, { name: 'capstone-bench-failover' });
  await whenRedisReady(redis, 5000);
  const l = await launch(ctx, { redis, service, app: { limits: false } });
  const http = await listen(l.app);
  try {
    const key = l.service.keys.userProfile(1);
    const master = (await cluster.masterOf(key)).port;
    const users: number[] = [];
    for (let u = 1; users.length < 8 && u <= 500; u++) if ((await cluster.masterOf(l.service.keys.userProfile(u))).port === master) users.push(u);
    let n = 0;
    const r = await runFailoverDrill({ restartKilled: true, cluster, key, request: (signal) => fetch(`${http.url}/users/${users[n++ % users.length]}`, { signal }) });
    return { metrics: [...hot.metrics, ...failoverMetrics(r, 'failover (GET /users/:id)')], ratios: hot.ratios };
  } finally {
    await http.close();
    await l.close();
    redis.disconnect();
  }
}
