// Write-behind's durability when the queue's master dies. Redis replicates asynchronously: a write the
// master acknowledged but had not yet sent to its replica is gone once the replica is promoted. The lab's
// answer is WAIT after the enqueue (`durableReplicas: 1`): a write is acknowledged only once the replica
// holds it, so the promoted replica has every acknowledged write and the flusher applies them all. Writes
// that were refused (503, "not yet on a replica") may or may not survive; they were never acknowledged.
// The flusher WAITs as well before applying what it read, so Postgres never gets ahead of the replica.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { waitFor } from '../../../harness/ports';
import { isAppError } from '../../../shared/errors';
import { isRedisUnavailable, whenRedisReady } from '../../../shared/redis-client';
import { seedCatalog } from '../src/catalog';
import { deploy } from '../src/deployment';
import { NotReplicatedError, writeBehind } from '../src/strategies/write-behind';
import type { Strategy, StrategyWorker } from '../src/strategy';
import { createFlusher, queueKey } from '../src/write-behind-queue';
import { dbPrice } from './helpers';

const PRODUCTS = [1, 2, 3, 4, 5, 6, 7, 8];

let cluster: LocalCluster;
let ctx: LabContext;
beforeAll(async () => {
  // Two replicas per master: after the failover the new master still has one, so WAIT 1 can succeed
  // (with one replica, every write to that shard is refused until the dead node rejoins as a replica).
  cluster = await startRedisCluster({ replicas: 2 });
  ctx = await createTestContext('5.2.4', { redisUrl: cluster.url, serving: true });
  await seedCatalog(ctx.pg, PRODUCTS.length);
});
afterAll(async () => {
  await ctx?.dispose();
  await cluster?.dispose();
});

describe('write-behind on a failover', () => {
  it('with WAIT after the enqueue, no acknowledged write is lost when the queue\'s master dies', async () => {
    const d = deploy(ctx, writeBehind, 'failover', { durableReplicas: 1 });
    const s: Strategy = await d.instance();
    const worker: StrategyWorker = (await d.startWorker())!;
    try {
      // Writes to one product never overlap, so its last acknowledged price is well defined.
      const busy = new Set<number>();
      const attempted = new Map<number, Set<number>>(PRODUCTS.map((p) => [p, new Set()]));
      const lastAcked = new Map<number, number>();
      let price = 100_000;
      const write = async (): Promise<Response> => {
        const id = PRODUCTS.find((p) => !busy.has(p))!;
        busy.add(id);
        const cents = ++price;
        attempted.get(id)!.add(cents);
        try {
          await s.write(id, { priceCents: cents });
          lastAcked.set(id, cents);
          return new Response('ok');
        } catch (err) {
          // What a route would answer: our 503s and an unreachable Redis are 503 + Retry-After.
          const status = isRedisUnavailable(err) || (isAppError(err) && err.status === 503) ? 503 : 500;
          return new Response(String((err as Error).message), { status, headers: status === 503 ? { 'retry-after': '1' } : {} });
        } finally {
          busy.delete(id);
        }
      };

      const r = await runFailoverDrill({ cluster, key: queueKey(d.keys), request: write });
      expect(r.hangs, describeFailover(r)).toEqual([]);
      expect(r.unexpected, describeFailover(r)).toEqual([]);
      expect(r.notRecovered, describeFailover(r)).toEqual([]);
      expect(r.samples.some((x) => x.phase === 'after' && x.status === 200), describeFailover(r)).toBe(true);

      await worker.drain!(20_000);
      for (const id of PRODUCTS) {
        const acked = lastAcked.get(id);
        if (acked === undefined) continue;
        const inDb = await dbPrice(ctx, id);
        // Postgres holds the last acknowledged write, or a later one that was attempted (in doubt, kept).
        expect(inDb, `product ${id}: last acknowledged ${acked}, Postgres ${inDb}; ${describeFailover(r)}`).toBeGreaterThanOrEqual(acked);
        expect(attempted.get(id)!.has(inDb)).toBe(true);
        expect((await s.read(id))!.priceCents).toBe(inDb); // the cache agrees with Postgres
      }
    } finally {
      await worker.close();
      await d.close();
    }
  });

  it('while no replica confirms, a write is refused (503) and the flusher applies nothing it read; both go through once a replica has them', async () => {
    const d = deploy(ctx, writeBehind, 'wait', { durableReplicas: 1, durableTimeoutMs: 100 });
    const s = await d.instance();
    await s.read(1);
    const master = await cluster.masterOf(queueKey(d.keys));
    const replicas = [];
    for (const n of cluster.nodes.filter((x) => x.running && x.port !== master.port)) {
      const node = ctx.newRedisAt(n.url);
      await whenRedisReady(node);
      const role = (await node.role()) as unknown[];
      if (role[0] === 'slave' && Number(role[2]) === master.port) replicas.push(n);
    }
    expect(replicas.length).toBeGreaterThan(0);
    const flusher = (consumer: string, claimIdleMs?: number) =>
      createFlusher({ redis: ctx.redis, pool: ctx.pg, keys: d.keys, consumer, durableReplicas: 1, durableTimeoutMs: 100, claimIdleMs });
    await flusher('first').ensureGroup();
    for (const r of replicas) r.pause();
    try {
      await expect(s.write(1, { priceCents: 777_777 })).rejects.toBeInstanceOf(NotReplicatedError);
      await expect(flusher('first').flushOnce()).rejects.toThrow(/not yet on 1 replica/);
      expect(await dbPrice(ctx, 1)).not.toBe(777_777);
    } finally {
      for (const r of replicas) r.resume();
    }
    // The refused write was queued on the master after all (not promised, but kept while it lives):
    // once the replica has it, the entry the first flusher read is claimed and applied.
    await waitFor(async () => (await flusher('second', 0).flushOnce().catch(() => 0)) > 0, { timeoutMs: 15_000, what: 'the entry to be replicated and applied' });
    expect(await dbPrice(ctx, 1)).toBe(777_777);
    await d.close();
  });
});
