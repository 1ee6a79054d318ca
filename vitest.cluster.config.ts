// `npm run test:cluster`: the same suites on a Redis Cluster (three masters, one replica each, on
// loopback ports; or the one REDIS_CLUSTER_NODES names), then the failover drills. See vitest.config.ts.
process.env.WORKBOOK_REDIS = 'cluster';
export default (await import('./vitest.config')).default;
