// The failover drill, on the smallest service that follows the rules: a route that counts in Redis
// through the shared serving client (a Cluster here) and the shared error handler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, finishApp, listen, type Listening } from '../../shared/http';
import { createServingRedis, whenRedisReady, type RedisClient } from '../../shared/redis-client';
import { startRedisCluster, type LocalCluster } from '../cluster';
import { expectFailoverHeld } from '../drill-expect';
import { describeFailover, runFailoverDrill } from '../failover-drill';

let cluster: LocalCluster;
let http: Listening;
let redis: RedisClient;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  redis = createServingRedis(cluster.url);
  await whenRedisReady(redis, 5000);
  const app = createApp({ name: 'failover', metrics: false });
  app.get('/count', async (_req, res) => {
    res.json({ n: await redis.incr('{hot}:n') });
  });
  http = await listen(finishApp(app));
});
afterAll(async () => {
  await http?.close();
  redis?.disconnect();
  await cluster?.dispose();
});

describe('failover drill', () => {
  it('while the hot key\'s master dies, requests fail only inside the failover window, as 503 + Retry-After, then succeed on the replica', async () => {
    const r = await runFailoverDrill({ cluster, key: '{hot}:n', request: (signal) => fetch(`${http.url}/count`, { signal }) });
    expectFailoverHeld(r);
    expect(describeFailover(r)).not.toContain('NaN');
    expect(r.slowestMs).toBeGreaterThan(0);
  });
});
