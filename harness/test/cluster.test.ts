// The cluster harness itself: a context on a cluster URL hands a Cluster, cleanup and scans reach every
// master, REDIS_CLUSTER_NODES resolves to the cluster, and a failover keeps what was replicated.
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../shared/redis-client';
import { mastersOf, scanKeys } from '../../shared/redis-scan';
import { startRedisCluster, type LocalCluster } from '../cluster';
import { createTestContext, deleteByPrefix } from '../context';
import { probeRedisCluster } from '../services';

let cluster: LocalCluster;
beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
});
afterAll(async () => {
  await cluster?.dispose();
});

describe('a context on a cluster', () => {
  it('hands a Cluster whose keys spread over every master, and deletes them all by prefix', async () => {
    const ctx = await createTestContext('harness', { services: ['redis'], redisUrl: cluster.url });
    try {
      expect(ctx.redis).toBeInstanceOf(Cluster);
      const keys = Array.from({ length: 300 }, (_, i) => ctx.keys.key('spread', i));
      await Promise.all(keys.map((k) => ctx.redis.set(k, '1')));
      const perMaster = await Promise.all(mastersOf(ctx.redis).map((m) => m.dbsize()));
      expect(perMaster).toHaveLength(3);
      expect(perMaster.every((n) => n > 0)).toBe(true);
      let seen = 0;
      for await (const batch of scanKeys(ctx.redis, ctx.keys.pattern('spread'))) seen += batch.length;
      expect(seen).toBe(300);
      expect(await deleteByPrefix(ctx.redis, ctx.prefix)).toBe(300);
      expect((await Promise.all(mastersOf(ctx.redis).map((m) => m.dbsize()))).reduce((a, b) => a + b)).toBe(0);
    } finally {
      await ctx.dispose();
    }
  });

  it('newRedis is another Cluster client; connectRedis reads a redis-cluster:// URL', async () => {
    const ctx = await createTestContext('harness', { services: ['redis'], redisUrl: cluster.url });
    const direct = connectRedis(cluster.url);
    try {
      expect(ctx.newRedis()).toBeInstanceOf(Cluster);
      expect(direct).toBeInstanceOf(Cluster);
      await ctx.redis.set(ctx.keys.key('x'), 'y');
      expect(await direct.get(ctx.keys.key('x'))).toBe('y');
    } finally {
      direct.disconnect();
      await ctx.dispose();
    }
  });

  it('the cluster probe reports a version and refuses a node that is not a cluster', async () => {
    expect((await probeRedisCluster(cluster.url)).version).toMatch(/^\d+\.\d+/);
    await expect(probeRedisCluster('redis-cluster://127.0.0.1:1')).rejects.toThrow();
  });
});

describe('failover', () => {
  it('promotes the replica of the killed master; a write acknowledged by a replica (WAIT 1) survives', async () => {
    const client = cluster.client();
    await client.set('{failover}:acked', 'kept');
    // WAIT goes to the key's master: it returns how many replicas have the write.
    const master = await cluster.masterOf('{failover}:acked');
    const replicas = await client.nodes('master').find((n) => n.options.port === master.port)!.wait(1, 2000);
    expect(replicas).toBe(1);
    const f = await cluster.failover('{failover}:acked');
    expect(f.promotedPort).not.toBe(master.port);
    expect(await client.get('{failover}:acked')).toBe('kept');
    await cluster.restart(f.killed);
    expect(await cluster.masterOf('{failover}:acked')).not.toBe(f.killed);
  });
});
