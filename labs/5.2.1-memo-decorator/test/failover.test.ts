// The memoizer's L2 on a Redis Cluster while the master holding the memo key dies and its replica is
// promoted. serve.ts is the weather API itself (no Redis); the Redis side is the @Memoize-decorated
// client, here in 'l2' mode so every call goes to Redis. Its promise: Redis is an optimisation, never a
// dependency — a failing Redis call is a miss and the weather API answers, so no call may fail. Nothing
// durable is cached: a failover can lose entries written just before it (asynchronous replication),
// which costs one upstream call each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { listen, type Listening } from '../../../shared/http';
import { serveWeather } from '../serve';
import { memoOf } from '../src/decorator';
import { WeatherClient } from '../src/weather-client';

let cluster: LocalCluster;
let ctx: LabContext;
let weather: Listening;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.2.1', { redisUrl: cluster.url, serving: true, services: ['redis'] });
  weather = await listen(await serveWeather(ctx, ['--latency', '5']));
});
afterAll(async () => {
  await weather?.close();
  await ctx?.dispose();
  await cluster?.dispose();
});

describe('failover drill', () => {
  it('memoized calls keep answering while the memo key\'s master fails over, and Redis hits resume on the replica', async () => {
    const client = new WeatherClient(weather.url, { ttlMs: 600_000, mode: 'l2', redis: ctx.redis, namespace: ctx.keys.key('memo'), redisRetryMs: 200 });
    await client.forecast('Paris');
    // The drill kills the master of the key the memoizer really uses.
    const key = (memoOf(client, 'forecast') as unknown as { keyFor(...a: unknown[]): string }).keyFor('Paris');
    expect(await ctx.redis.exists(key)).toBe(1);
    const request = async () => Response.json(await client.forecast('Paris'));
    const r = await runFailoverDrill({ cluster, key, request });
    expectFailoverHeld(r);
    expect(r.failed, describeFailover(r)).toEqual([]);
    const hitsBefore = client.stats()!.l2.hits;
    await client.forecast('Paris');
    expect(client.stats()!.l2.hits, JSON.stringify(client.stats())).toBe(hitsBefore + 1);
  });
});
