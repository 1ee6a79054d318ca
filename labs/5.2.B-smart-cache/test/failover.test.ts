// The product API on Redis Cluster, through a failover of the master that holds the hot products'
// entries. A cache may lose entries (a miss, reloaded from Postgres); what it must not lose silently is
// an invalidation. During the failover an invalidation cannot reach the dying master, so the PUT says
// so (503 + Retry-After: the price is saved, repeat the PUT to refresh the caches) instead of a 200
// that leaves the old entry for the promoted replica to serve (the PUT answered 200 before: this test
// failed with stale reads long after the failover).
// What a failover can still cost (README, "On Redis Cluster"): replication is asynchronous, so an
// invalidation the old master acknowledged just before dying can be missing on its replica; and a
// cache write the client gave up on (command timeout) can land late, after the next invalidation.
// Both leave an old entry in L2 until the next invalidation of its tags or its TTL; the drill counts
// such stale reads in its message, and the test asserts that once the failover has settled, a price
// change is read back on every instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { waitFor } from '../../../harness/ports';
import { listen, type Listening } from '../../../shared/http';
import { keyspace } from '../src/keys';
import { serveService } from '../serve';

let cluster: LocalCluster;
let ctx: LabContext;
/** Two instances of the service (each its own L1 and bus subscription), as behind a load balancer. */
const instances: Array<{ http: Listening; close(): Promise<void> }> = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.2.B', { redisUrl: cluster.url, serving: true });
  for (let i = 0; i < 2; i++) {
    const served = await serveService(ctx); // the lab's own service, as `serve --cluster` runs it
    instances.push({ http: await listen(served.app), close: served.close });
  }
}, 60_000);
afterAll(async () => {
  for (const i of instances) {
    await i.http.close();
    await i.close();
  }
  await ctx?.dispose();
  await cluster?.dispose();
});

const ADMIN = { 'x-api-key': 'dev-admin-key', 'content-type': 'application/json' };

async function priceOf(url: string, id: number): Promise<number> {
  return ((await (await fetch(`${url}/products/${id}`)).json()) as { priceCents: number }).priceCents;
}

describe('failover of the master holding the hot entries', () => {
  it('no hangs, no 5xx but 503 + Retry-After in the window, then normal; a price change answered 200 is read back on both instances', async () => {
    const keys = keyspace(ctx.keys.key('svc'));
    const hotKey = keys.data('product', '1');
    // Products whose entries live on the same master as product 1: every request meets the failover.
    const master = (await cluster.masterOf(hotKey)).port;
    const ids: number[] = [];
    for (let id = 1; ids.length < 4 && id <= 200; id++) if ((await cluster.masterOf(keys.data('product', String(id)))).port === master) ids.push(id);
    const busy = new Set<number>();
    let price = 10_000;
    const staleReads: string[] = [];

    const [a, b] = instances.map((i) => i.http.url);
    for (const id of ids) await fetch(`${b}/products/${id}`); // in b's L1: only the bus can take it out
    /** PUT a new price on a, then GET the product on b (a stale read is noted, see the top of the file). */
    const request = async (signal: AbortSignal): Promise<Response> => {
      const id = ids.find((i) => !busy.has(i))!;
      busy.add(id);
      try {
        const p = ++price;
        const put = await fetch(`${a}/products/${id}`, { method: 'PUT', headers: ADMIN, body: JSON.stringify({ priceCents: p }), signal });
        if (put.status !== 200) return put;
        await put.arrayBuffer();
        const get = await fetch(`${b}/products/${id}`, { signal });
        if (get.status !== 200) return get;
        const body = (await get.json()) as { priceCents: number };
        if (body.priceCents !== p) staleReads.push(`put ${p}, read ${body.priceCents}`);
        return new Response('ok');
      } finally {
        busy.delete(id);
      }
    };

    const r = await runFailoverDrill({ cluster, key: hotKey, request });
    expect(ids.length).toBe(4);
    expectFailoverHeld(r); // no 5xx but a 503 with Retry-After
    const account = `${describeFailover(r)}; stale reads: ${staleReads.length} (${staleReads.slice(0, 3).join('; ')})`;

    // Settled: every price change answered 200 is what both instances read back: a at once, b once the
    // bus message arrives. On a cluster PUBLISH crosses the cluster bus after the publisher has its
    // reply, so b may serve its L1 copy for a few milliseconds (this test failed one run in two when
    // it read b right after the PUT); a lost subscription would leave it stale for the L1 TTL (60 s).
    await new Promise((done) => setTimeout(done, 1000));
    for (const id of ids) {
      const p = ++price;
      const put = await fetch(`${a}/products/${id}`, { method: 'PUT', headers: ADMIN, body: JSON.stringify({ priceCents: p }) });
      expect(put.status, account).toBe(200);
      expect(await priceOf(a, id), `a: ${account}`).toBe(p);
      // b: the bus is asynchronous; within 2 s (L1 keeps an entry 60 s, so a lost message fails here).
      await waitFor(async () => (await priceOf(b, id)) === p, { timeoutMs: 2000, intervalMs: 10, what: `b to read ${p} (${account})` });
    }
  }, 60_000);
});
