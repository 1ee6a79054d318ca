// `--cluster` on lab, serve and bench: run the command against a Redis Cluster. REDIS_CLUSTER_NODES (or
// a redis-cluster:// REDIS_URL) names one the user runs; otherwise the harness starts three masters with
// a replica each on loopback ports for this command alone and stops them when it ends.
import pc from 'picocolors';
import { clusterNodes, clusterUrl } from '../shared/redis-client';
import { startRedisCluster } from './cluster';
import { clusterSpecFromEnv } from './services';
import { UsageError } from './usage-error';

/** Takes `--cluster` out of a command's arguments (the lab never sees it). */
export function takeCluster(argv: string[]): { cluster: boolean; rest: string[] } {
  return { cluster: argv.includes('--cluster'), rest: argv.filter((a) => a !== '--cluster') };
}

/** Points this process (and its children) at a cluster; returns what stops the one it started, if any. */
export async function useCluster(): Promise<() => Promise<void>> {
  const given = clusterSpecFromEnv();
  if (given) {
    process.env.REDIS_URL = given.startsWith('redis-cluster://') ? given : clusterUrl(clusterNodes(given));
    console.log(pc.dim(`on the Redis Cluster at ${process.env.REDIS_URL.slice('redis-cluster://'.length)}`));
    return async () => {};
  }
  if (process.env.REDIS_URL) throw new UsageError('--cluster: REDIS_URL names one server; unset it, or name the cluster with REDIS_CLUSTER_NODES=host:port,…');
  console.log(pc.dim('starting a local Redis Cluster (3 masters + 3 replicas on loopback ports) for this command…'));
  const cluster = await startRedisCluster({ replicas: 1 });
  process.env.REDIS_URL = cluster.url;
  console.log(pc.dim(`on the Redis Cluster at ${cluster.url.slice('redis-cluster://'.length)}`));
  return () => cluster.dispose();
}

