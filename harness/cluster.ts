// A local Redis Cluster of three masters on free loopback ports, to prove a lab's Lua scripts and
// multi-key operations are cluster-safe (every key in KEYS, related keys under one {hash tag}).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { startRedisServer, type ManagedRedis } from './faults';
import { waitFor } from './ports';

const run = promisify(execFile);

export interface LocalCluster {
  nodes: ManagedRedis[];
  /** Seed addresses for ioredis.Cluster. */
  startupNodes: Array<{ host: string; port: number }>;
  client(): Cluster;
  dispose(): Promise<void>;
}

export async function startRedisCluster(masters = 3): Promise<LocalCluster> {
  const nodes: ManagedRedis[] = [];
  const clients: Cluster[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(await startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'] }));
    }
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor(
      async () => {
        for (const n of nodes) {
          const r = new Redis(n.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
          try {
            await r.connect();
            if (!(await r.cluster('INFO')).includes('cluster_state:ok')) return false;
          } finally {
            r.disconnect();
          }
        }
        return true;
      },
      { timeoutMs: 20_000, what: 'cluster_state:ok on every node' },
    );
  } catch (err) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw err;
  }
  const startupNodes = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  return {
    nodes,
    startupNodes,
    client() {
      const c = new Cluster(startupNodes, { redisOptions: { maxRetriesPerRequest: 2 } });
      clients.push(c);
      return c;
    },
    async dispose() {
      for (const c of clients) c.disconnect();
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
}
