// The product/user API: Postgres behind the smart cache. Lists go through the response-cache
// middleware (tagged `products`), single products and users through entity caches (tagged by id);
// a price change invalidates both by tag. Cache management lives under /cache (admin only).
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { NotFoundError } from '../../../../shared/errors';
import { createApp, finishApp, valid, validate, type AppWithMetrics } from '../../../../shared/http';
import { OpenAPIRegistry, serveOpenApi, z } from '../../../../shared/openapi';
import { createSmartCache, type CacheOptions, type SmartCache } from '../cache';
import { entityCache } from '../entities';
import { adminRoutes, documentAdminRoutes } from '../http/admin-routes';
import type { AuthConfig } from '../http/auth';
import { responseCache } from '../http/response-cache';
import { warmCache } from '../warmer';
import { CATEGORIES, createRepo, productJson, userJson } from './db';

export interface ServiceOptions {
  pg: pg.Pool;
  redis?: Redis;
  subscriber?: Redis;
  keyBase: string;
  auth: AuthConfig;
  /** Extra cache options (ttl, grace, clock…). */
  cache?: Partial<CacheOptions>;
  /** Products warmed at start-up / by POST /cache/warm. */
  warmCount?: number;
}

const id = z.coerce.number().int().min(1).max(2_147_483_647);
export const schemas = {
  list: { query: z.object({ category: z.enum(CATEGORIES as [string, ...string[]]).optional(), limit: z.coerce.number().int().min(1).max(100).default(20), offset: z.coerce.number().int().min(0).max(100_000).default(0) }) },
  byId: { params: z.object({ id }) },
  price: { params: z.object({ id }), body: z.object({ priceCents: z.number().int().min(1).max(100_000_000) }) },
};

export interface Service {
  app: AppWithMetrics;
  cache: SmartCache;
  warm(limit?: number): ReturnType<typeof warmCache>;
  close(): Promise<void>;
}

export async function createService(o: ServiceOptions): Promise<Service> {
  const app = createApp({ name: 'smart_cache_api' });
  const cache = createSmartCache({ keyBase: o.keyBase, redis: o.redis, subscriber: o.subscriber, ttl: 60_000, grace: 300_000, sensitiveFields: ['passwordHash'], registry: app.locals.metrics, ...o.cache });
  await cache.start();
  const repo = createRepo(o.pg);
  const products = entityCache(cache, 'product', { load: (pid: number) => repo.product(pid), ttl: 60_000 });
  const users = entityCache(cache, 'user', { load: (uid: number) => repo.user(uid), ttl: 60_000 });
  const warm = async (limit = o.warmCount ?? 50) => warmCache(cache, (await repo.topProductIds(limit)).map((pid) => products.warmItem(pid)), { concurrency: 4 });

  app.get(
    '/products',
    responseCache(cache, { ttl: 30_000, grace: 300_000, namespace: 'http', vary: ['accept-language'], tags: () => ['products'] }),
    validate(schemas.list),
    async (_req, res) => {
      res.json({ products: (await repo.products(valid(res, schemas.list).query)).map(productJson) });
    },
  );
  app.get('/products/:id', validate(schemas.byId), async (_req, res) => {
    const p = await products.get(valid(res, schemas.byId).params.id);
    if (!p) throw new NotFoundError('no such product');
    res.json(productJson(p));
  });
  app.put('/products/:id', validate(schemas.price), async (_req, res) => {
    const { params, body } = valid(res, schemas.price);
    const p = await repo.setPrice(params.id, BigInt(body.priceCents));
    if (!p) throw new NotFoundError('no such product');
    // The entity and every cached list that may show it.
    await cache.invalidateTags([products.tagOf(params.id), 'products']);
    res.json(productJson(p));
  });
  app.get('/users/:id', validate(schemas.byId), async (_req, res) => {
    const u = await users.get(valid(res, schemas.byId).params.id);
    if (!u) throw new NotFoundError('no such user');
    res.json(userJson(u));
  });
  app.use('/cache', adminRoutes(cache, o.auth, warm));

  const registry = new OpenAPIRegistry();
  registry.registerPath({ method: 'get', path: '/products', summary: 'Products (response-cached: X-Cache, Age)', request: { query: schemas.list.query }, responses: { 200: { description: 'a page of products' } } });
  registry.registerPath({ method: 'get', path: '/products/{id}', summary: 'One product (entity cache)', request: { params: schemas.byId.params }, responses: { 200: { description: 'the product' }, 404: { description: 'not found' } } });
  registry.registerPath({ method: 'put', path: '/products/{id}', summary: 'Change a price (invalidates by tag)', request: { params: schemas.price.params, body: { content: { 'application/json': { schema: schemas.price.body } } } }, responses: { 200: { description: 'the product' }, 404: { description: 'not found' } } });
  registry.registerPath({ method: 'get', path: '/users/{id}', summary: 'One user (password hash never cached)', request: { params: schemas.byId.params }, responses: { 200: { description: 'the user' }, 404: { description: 'not found' } } });
  documentAdminRoutes(registry);
  serveOpenApi(app, registry, { title: 'Smart Cache API (lab 5.2.B)', description: 'Products and users over Postgres behind a two-tier cache.' });
  finishApp(app);
  return { app, cache, warm, close: () => cache.close() };
}
