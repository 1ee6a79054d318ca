// The limiter on Redis Cluster while the master that holds every bucket (the {limiter} slot) dies and
// its replica takes over. The limiter fails open, so the drill expects no 5xx at all, no hang, and
// limiting (RateLimit headers) again once the replica serves. What a failover can lose: Redis
// replication is asynchronous, so the last charges acknowledged by the dead master may never have
// reached the replica — those buckets come back a little fuller than they should be (a few requests
// more for their owners), never emptier. A limiter accepts that; WAIT on every decision would cost a
// replica round trip per request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { listen, type Listening } from '../../../shared/http';
import { serveLimited } from '../serve';
import { bucketKey, parsePolicies } from '../src/policy';
import { DEFAULT_POLICIES } from '../src/app';

let cluster: LocalCluster;
let ctx: LabContext;
let http: Listening;
let close: () => Promise<void>;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.3.1', { redisUrl: cluster.url, serving: true, services: ['redis'] });
  process.env.LIMITS_ADMIN_TOKEN = 'failover-test-token';
  const served = (await serveLimited(ctx)) as { app: Parameters<typeof listen>[0]; close(): Promise<void> };
  close = served.close;
  http = await listen(served.app);
});
afterAll(async () => {
  delete process.env.LIMITS_ADMIN_TOKEN;
  await http?.close();
  await close?.();
  await ctx?.dispose();
  await cluster?.dispose();
});

describe('failover of the limiter\'s master', () => {
  it('no hang, no 5xx (fail open), limited again on the promoted replica', async () => {
    // The slot to kill: the one every bucket lives in.
    const [policy] = parsePolicies(DEFAULT_POLICIES);
    const hot = bucketKey(ctx.keys, policy!, { ip: '127.0.0.1', user: 'u', endpoint: 'GET /api/hello' });
    let n = 0;
    const r = await runFailoverDrill({
      cluster,
      key: hot,
      // 200 while the buckets last, then 429 (the per-IP bucket): both are answers; a 5xx never is.
      request: (signal) => fetch(`${http.url}/api/hello`, { signal, headers: { 'x-user-id': `user-${n++ % 500}` } }),
    });
    expectFailoverHeld(r);
    expect(r.failed, describeFailover(r)).toEqual([]); // fail open: a failover costs no request
    // Limiting resumed: a decision made on the promoted replica carries the RateLimit headers again.
    const res = await fetch(`${http.url}/api/hello`, { headers: { 'x-user-id': 'after-failover' } });
    expect([200, 429]).toContain(res.status);
    expect(res.headers.get('ratelimit'), describeFailover(r)).not.toBeNull();
    expect((await cluster.masterOf(hot)).port).toBe(r.failover.promotedPort);
  });
});
