// Write-behind's script on a three-master Redis Cluster: it touches a product's entry and the queue in
// one call, so both carry the {write-behind} hash tag and live in one slot. Provided code, not an exercise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { createCatalog, seedCatalog } from '../src/catalog';
import { writeBehind } from '../src/strategies/write-behind';
import { entryKey, queueKey } from '../src/write-behind-queue';

let cluster: LocalCluster;
let ctx: LabContext;
beforeAll(async () => {
  [cluster, ctx] = await Promise.all([startRedisCluster(), createTestContext('5.2.4')]);
  await seedCatalog(ctx.pg, 10);
});
afterAll(async () => {
  await cluster?.dispose();
  await ctx?.dispose();
});

describe('write-behind on Redis Cluster', () => {
  it('concurrent writes merge and queue in one slot: no CROSSSLOT, every write counted', async () => {
    const client = cluster.client();
    const keys = ctx.keys.forLab('5.2.4:cluster');
    const s = await writeBehind.create({ redis: client, newRedis: () => client, keys, catalog: createCatalog(ctx.pg) });
    const slot = Number(await client.cluster('KEYSLOT', queueKey(keys)));
    for (const id of [1, 2, 3]) expect(Number(await client.cluster('KEYSLOT', entryKey(keys)(id)))).toBe(slot);

    await Promise.all(Array.from({ length: 30 }, (_, i) => s.write(1 + (i % 3), i % 2 ? { name: `c${i}` } : { priceCents: 5_000 + i })));
    for (const id of [1, 2, 3]) expect((await s.read(id))!.version).toBe(1 + 10);
    expect(await client.xlen(queueKey(keys))).toBe(30);
  });
});
