// `npm run lab 5.2.B -- serve --port 3000`: the product/user API with its cache. REDIS_URL may carry an
// ACL user and TLS (`rediss://user:password@host:6380`); the admin key and JWT secret come from the
// environment (CACHE_ADMIN_KEY, CACHE_JWT_SECRET) with development defaults.
import type { LabContext } from '../../harness/context';
import type { AppWithMetrics } from '../../shared/http';
import { createCacheRedis, createCacheSubscriber } from './src/redis-client';
import { createService } from './src/service/app';
import { seed } from './src/service/db';

export async function serveService(ctx: LabContext): Promise<{ app: AppWithMetrics; close(): Promise<void> }> {
  await seed(ctx.pg);
  const url = ctx.services.redis.url;
  // The shared serving client (shared/redis-client.ts) with the cache's command timeout; one log line per state change.
  const redis = createCacheRedis(url, { log: ctx.log });
  const subscriber = createCacheSubscriber(url, { log: ctx.log });
  const adminKey = process.env.CACHE_ADMIN_KEY ?? 'dev-admin-key';
  const devSecrets = [!process.env.CACHE_ADMIN_KEY && 'CACHE_ADMIN_KEY', !process.env.CACHE_JWT_SECRET && 'CACHE_JWT_SECRET'].filter(Boolean);
  if (devSecrets.length) ctx.log.warn(`development secrets in use: set ${devSecrets.join(' and ')} for anything but a local try-out`);
  const svc = await createService({
    pg: ctx.pg,
    redis,
    subscriber,
    keyBase: ctx.keys.key('svc'),
    auth: { apiKeys: { [adminKey]: 'admin' }, jwtSecret: new TextEncoder().encode(process.env.CACHE_JWT_SECRET ?? 'dev-only-secret-change-me-32-bytes!') },
  });
  const warmed = await svc.warm();
  ctx.log.info(`warmed ${warmed.ok} products (${warmed.failed} failed); admin routes: curl -H 'X-API-Key: ${process.env.CACHE_ADMIN_KEY ? '$CACHE_ADMIN_KEY' : adminKey}' localhost:PORT/cache/stats`);
  return {
    app: svc.app,
    async close() {
      await svc.close();
      redis.disconnect();
      subscriber.disconnect();
    },
  };
}
