// Runs once before the suite: finds Redis and Postgres (or says how to start them) and hands the URLs
// to every test worker, so a testcontainers fallback is started once, not per file. Embedded servers
// this run started are stopped at the end: `npm test` leaves running only what was running before.
// `npm run test:cluster` (WORKBOOK_REDIS=cluster) starts a Redis Cluster here for the whole run, unless
// REDIS_CLUSTER_NODES names one, and every worker's context connects to it.
import { startRedisCluster, type LocalCluster } from '../cluster';
import { runningEmbedded, stopEmbedded, type EmbeddedKind } from '../embedded';
import { resolveServices, ServiceUnavailableError } from '../services';

export default async function setup(): Promise<() => Promise<void>> {
  const before = await runningEmbedded();
  let cluster: LocalCluster | undefined;
  if (process.env.WORKBOOK_REDIS === 'cluster' && !process.env.REDIS_CLUSTER_NODES) {
    cluster = await startRedisCluster({ replicas: 1 });
    process.env.REDIS_CLUSTER_NODES = cluster.startupNodes.map((n) => `${n.host}:${n.port}`).join(',');
  }
  try {
    const s = await resolveServices();
    process.env.REDIS_URL = s.redis.url;
    process.env.DATABASE_URL = s.postgres.url;
  } catch (err) {
    if (err instanceof ServiceUnavailableError) {
      console.error(`\n${err.message}\n`);
      throw new Error('Redis/Postgres not available; see the message above.');
    }
    throw err;
  }
  return async () => {
    await cluster?.dispose();
    const now = await runningEmbedded();
    const startedHere = (['redis', 'postgres'] as EmbeddedKind[]).filter((k) => now[k] && now[k].pid !== before[k]?.pid);
    if (startedHere.length) await stopEmbedded(startedHere);
  };
}
