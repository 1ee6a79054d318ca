// The gateway on Redis Cluster while the master of breaker "payments" (its {payments}-tagged state,
// window and channel) dies and its replica takes over. While Redis cannot answer the breaker runs on
// its in-process twin, so /checkout keeps answering; then the shared state is used again. What a
// failover can lose: the last window counts or a transition the dead master acknowledged but had not
// replicated. The breaker state is advisory (a lost "open" reopens after a few more failures; a lost
// count only delays a trip), so no WAIT: the test holds the service, not the exact counts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { runFailoverDrill } from '../../../harness/failover-drill';
import { listen, type Listening } from '../../../shared/http';
import { serve } from '../serve';

let cluster: LocalCluster;
let ctx: LabContext;
let http: Listening;
let close: () => Promise<void>;
const ADMIN = 'failover-admin-key';

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.3.3', { redisUrl: cluster.url, serving: true, services: ['redis'] });
  process.env.CB_ADMIN_KEY = ADMIN;
  process.env.CB_VIEWER_KEY = 'failover-viewer-key';
  const served = (await serve(ctx)) as { app: Parameters<typeof listen>[0]; close(): Promise<void> };
  close = served.close;
  http = await listen(served.app);
});
afterAll(async () => {
  delete process.env.CB_ADMIN_KEY;
  delete process.env.CB_VIEWER_KEY;
  await http?.close();
  await close?.();
  await ctx?.dispose();
  await cluster?.dispose();
});

describe('failover of the breaker\'s master', () => {
  it('/checkout: no hang, no unexpected 5xx, answering on the replica; the admin view reads Redis again', async () => {
    const r = await runFailoverDrill({
      cluster,
      key: ctx.keys.tagged('breaker', 'payments'),
      request: (signal) => fetch(`${http.url}/checkout`, { signal }),
    });
    expectFailoverHeld(r);
    const view = await fetch(`${http.url}/admin/breakers/payments`, { headers: { 'x-api-key': ADMIN } });
    expect(view.status, await view.clone().text()).toBe(200);
  });
});
