// The article API while the master holding the hot article's keys dies and its replica is promoted.
// The cache promises that Redis is never a dependency: a read whose Redis call fails (the slot has no
// master for a moment, a command times out) is served from Postgres. So no request may fail at all.
// Nothing durable lives in this cache: a failover can lose entries written just before it (replication
// is asynchronous), which only costs a reload from Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { listen, type Listening } from '../../../shared/http';
import { serveArticles } from '../serve';
import { articleKey } from '../src/components';
import { seed } from '../src/seed';

const HOT = 42;
let cluster: LocalCluster;
let ctx: LabContext;
let http: Listening;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.2.2', { redisUrl: cluster.url, serving: true });
  await seed(ctx.pg, { count: 200 });
  const served = await serveArticles(ctx, []);
  close = served.close;
  http = await listen(served.app);
});
afterAll(async () => {
  await http?.close();
  await close?.();
  await ctx?.dispose();
  await cluster?.dispose();
});

describe('failover drill', () => {
  it('GET /articles/:id answers 200 throughout: from Redis before and after, from Postgres while the slot has no master', async () => {
    expect((await fetch(`${http.url}/articles/${HOT}`)).status).toBe(200);
    const r = await runFailoverDrill({ cluster, key: articleKey(ctx.keys, HOT), request: (signal) => fetch(`${http.url}/articles/${HOT}`, { signal }) });
    expectFailoverHeld(r);
    expect(r.failed, describeFailover(r)).toEqual([]);
    // Redis serves again after the failover: the entry is back in the promoted replica's slot.
    const stats = (await (await fetch(`${http.url}/cache/stats`)).json()) as { source: string };
    expect(stats.source, JSON.stringify(stats)).toBe('redis');
    expect(await ctx.redis.exists(articleKey(ctx.keys, HOT))).toBe(1);
  });
});
