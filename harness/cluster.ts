// A local Redis Cluster on free loopback ports: three masters with one replica each by default, as
// `npm run test:cluster` and `--cluster` use it, and the failover a drill needs (kill the master of a
// key, wait until its replica is promoted and the cluster says ok again).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster, Redis, type ClusterOptions } from 'ioredis';
import { clusterUrl } from '../shared/redis-client';
import { startRedisServer, type ManagedRedis } from './faults';
import { waitFor } from './ports';

const run = promisify(execFile);

export interface LocalClusterOptions {
  masters?: number;
  /** Replicas per master (0 for a cluster that only proves key layout; 1 to survive a failover). */
  replicas?: number;
  /** cluster-node-timeout: how long a silent master is given before its replica takes over. */
  nodeTimeoutMs?: number;
}

export interface FailoverResult {
  /** The master that was killed (still in `nodes`, stopped; `restart` brings it back as a replica). */
  killed: ManagedRedis;
  /** The node that serves the key's slot now. */
  promotedPort: number;
  /** From the kill until the slot had a new master and cluster_state was ok on every live node. */
  ms: number;
}

export interface LocalCluster {
  nodes: ManagedRedis[];
  /** Seed addresses for ioredis.Cluster. */
  startupNodes: Array<{ host: string; port: number }>;
  /** `redis-cluster://…`: what REDIS_CLUSTER_NODES / services.redis.url carry. */
  url: string;
  client(options?: ClusterOptions): Cluster;
  /** The node serving `key`'s slot as master right now. */
  masterOf(key: string): Promise<ManagedRedis>;
  /** Kills (SIGKILL) the master of `key`'s slot and waits until its replica has taken over. */
  failover(key: string): Promise<FailoverResult>;
  /** Resolves once every replica of `key`'s master has caught up with it (replication offsets equal). */
  whenReplicated(key: string): Promise<void>;
  /** Starts a killed node again; it rejoins as a replica of the master that replaced it. */
  restart(node: ManagedRedis): Promise<void>;
  dispose(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` on a short-lived connection to one node. */
async function onNode<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  r.on('error', () => {});
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

type SlotRange = [number, number, [string, number, ...unknown[]], ...Array<[string, number, ...unknown[]]>];

async function masterPortOfSlot(port: number, slot: number): Promise<number | undefined> {
  const ranges = (await onNode(port, (r) => r.cluster('SLOTS'))) as unknown as SlotRange[];
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  return range ? Number(range[2][1]) : undefined;
}

async function clusterOk(port: number): Promise<boolean> {
  const info = String(await onNode(port, (r) => r.cluster('INFO')));
  return info.includes('cluster_state:ok');
}

/** Every replica has a live link to its master (so a failover has an up-to-date node to promote). */
async function replicasInSync(nodes: ManagedRedis[]): Promise<boolean> {
  for (const n of nodes) {
    const info = await onNode(n.port, (r) => r.info('replication'));
    if (info.includes('role:slave') && !info.includes('master_link_status:up')) return false;
  }
  return true;
}

export async function startRedisCluster(opts: LocalClusterOptions | number = {}): Promise<LocalCluster> {
  const { masters = 3, replicas = 0, nodeTimeoutMs = 1000 } = typeof opts === 'number' ? { masters: opts } : opts;
  const nodes: ManagedRedis[] = [];
  const clients: Cluster[] = [];
  const args = ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(nodeTimeoutMs)];
  try {
    nodes.push(...(await Promise.all(Array.from({ length: masters * (1 + replicas) }, () => startRedisServer({ args })))));
    const addrs = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addrs, '--cluster-replicas', String(replicas), '--cluster-yes']);
    await waitFor(async () => (await Promise.all(nodes.map((n) => clusterOk(n.port)))).every(Boolean) && (await replicasInSync(nodes)), {
      timeoutMs: 30_000,
      what: 'cluster_state:ok and replicas in sync on every node',
    });
  } catch (err) {
    await Promise.all(nodes.map((n) => n.dispose()));
    throw err;
  }
  const startupNodes = nodes.map((n) => ({ host: '127.0.0.1', port: n.port }));
  const byPort = (port: number) => nodes.find((n) => n.port === port);
  const live = () => nodes.filter((n) => n.running);

  const masterOf = async (key: string) => {
    const seed = live()[0]!;
    const slot = Number(await onNode(seed.port, (r) => r.cluster('KEYSLOT', key)));
    const port = await masterPortOfSlot(seed.port, slot);
    const node = port === undefined ? undefined : byPort(port);
    if (!node) throw new Error(`no master serves slot ${slot}`);
    return node;
  };

  return {
    nodes,
    startupNodes,
    url: clusterUrl(startupNodes),
    client(options: ClusterOptions = {}) {
      const c = new Cluster(startupNodes, { ...options, redisOptions: { maxRetriesPerRequest: 2, ...options.redisOptions } });
      c.on('error', () => {});
      clients.push(c);
      return c;
    },
    masterOf,
    async whenReplicated(key) {
      const { port } = await masterOf(key);
      await waitFor(
        () =>
          onNode(port, async (r) => {
            const info = await r.info('replication');
            const offset = /master_repl_offset:(\d+)/.exec(info)?.[1];
            const replicas = [...info.matchAll(/slave\d+:[^\r\n]*offset=(\d+)/g)].map((m) => m[1]);
            return replicas.length > 0 && replicas.every((o) => o === offset);
          }),
        { timeoutMs: 10_000, what: 'the replica to catch up' },
      );
    },
    async failover(key) {
      const killed = await masterOf(key);
      const slot = Number(await onNode(killed.port, (r) => r.cluster('KEYSLOT', key)));
      const started = performance.now();
      await killed.kill();
      let promotedPort = -1;
      await waitFor(
        async () => {
          const others = live();
          const port = await masterPortOfSlot(others[0]!.port, slot).catch(() => undefined);
          if (port === undefined || port === killed.port) return false;
          promotedPort = port;
          return (await Promise.all(others.map((n) => clusterOk(n.port).catch(() => false)))).every(Boolean);
        },
        { timeoutMs: 30_000, intervalMs: 50, what: `a replica to take over slot ${slot}` },
      );
      return { killed, promotedPort, ms: performance.now() - started };
    },
    async restart(node) {
      await node.start();
      await waitFor(async () => (await clusterOk(node.port).catch(() => false)) && (await replicasInSync(live())), {
        timeoutMs: 30_000,
        what: `node ${node.port} back in the cluster`,
      });
    },
    async dispose() {
      for (const c of clients) c.disconnect();
      await sleep(0);
      await Promise.all(nodes.map((n) => n.dispose()));
    },
  };
}
