// The product/user API: Postgres behind the smart cache. Lists go through the response-cache
// middleware (tagged `products`), single products and users through entity caches (tagged by id);
// a price change (admin only) invalidates both by tag. Cache management lives under /cache (admin only).
// Users: the shared cache holds only the public profile (id, name); email and role are private, read
// from Postgres for the user themself or an admin and sent `Cache-Control: private, no-store`.
import type { RedisClient } from '../../../../shared/redis-client';
import type pg from 'pg';
import { ForbiddenError, NotFoundError } from '../../../../shared/errors';
import { createApp, finishApp, valid, validate, type AppWithMetrics } from '../../../../shared/http';
import { OpenAPIRegistry, serveOpenApi, z } from '../../../../shared/openapi';
import { createSmartCache, type CacheOptions, type SmartCache } from '../cache';
import { entityCache } from '../entities';
import { adminRoutes, documentAdminRoutes } from '../http/admin-routes';
import { hasCredentials, identityOf, requireRole, type AuthConfig } from '../http/auth';
import { responseCache } from '../http/response-cache';
import { warmCache } from '../warmer';
import { CATEGORIES, createRepo, productJson, publicUser, userJson } from './db';

export interface ServiceOptions {
  pg: pg.Pool;
  redis?: RedisClient;
  subscriber?: RedisClient;
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
  const cache = createSmartCache({
    keyBase: o.keyBase,
    redis: o.redis,
    subscriber: o.subscriber,
    ttl: 60_000,
    grace: 300_000,
    sensitiveFields: ['passwordHash', 'email', 'role'],
    // Loaders here are single queries: a short lock, and a waiter gives up well inside a request's 1 s.
    lockTtlMs: 2000,
    lockWaitMs: 300,
    // Every cached list page carries the `products` tag: this also caps the pages Redis holds.
    maxTagMembers: 5000,
    registry: app.locals.metrics,
    ...o.cache,
  });
  await cache.start();
  const repo = createRepo(o.pg);
  const products = entityCache(cache, 'product', { load: (pid: number) => repo.product(pid), ttl: 60_000 });
  const users = entityCache(cache, 'user', { load: async (uid: number) => ((u) => u && publicUser(u))(await repo.user(uid)), ttl: 60_000 });
  const warm = async (limit = o.warmCount ?? 50) => warmCache(cache, (await repo.topProductIds(limit)).map((pid) => products.warmItem(pid)), { concurrency: 4 });

  app.get(
    '/products',
    // The variant: the validated query and a language among three; every other parameter or header is ignored.
    responseCache(cache, { ttl: 30_000, grace: 300_000, namespace: 'http', query: schemas.list.query, vary: { 'accept-language': ['en', 'fr', 'de'] }, tags: () => ['products'] }),
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
  app.put('/products/:id', requireRole('admin', o.auth), validate(schemas.price), async (_req, res) => {
    const { params, body } = valid(res, schemas.price);
    const p = await repo.setPrice(params.id, BigInt(body.priceCents));
    if (!p) throw new NotFoundError('no such product');
    // The entity and every cached list that may show it. Required: if Redis cannot be told (an outage,
    // a failover), the caller gets 503 + Retry-After and repeats the PUT, rather than a 200 followed by
    // reads of the old price.
    await cache.invalidateTags([products.tagOf(params.id), 'products'], { required: true });
    res.json(productJson(p));
  });
  app.get('/users/:id', validate(schemas.byId), async (req, res) => {
    const uid = valid(res, schemas.byId).params.id;
    if (!hasCredentials(req.headers)) {
      const u = await users.get(uid);
      if (!u) throw new NotFoundError('no such user');
      return void res.json(publicUser(u));
    }
    // Credentials: bad ones are a 401; good ones see private fields of their own account, or any as admin.
    const who = await identityOf(req.headers, o.auth);
    if (who.role !== 'admin' && who.sub !== String(uid)) throw new ForbiddenError('only this user or an admin sees the private profile');
    const u = await repo.user(uid);
    if (!u) throw new NotFoundError('no such user');
    res.setHeader('Cache-Control', 'private, no-store');
    res.json(userJson(u));
  });
  app.use('/cache', adminRoutes(cache, o.auth, warm));

  const registry = new OpenAPIRegistry();
  registry.registerPath({ method: 'get', path: '/products', summary: 'Products (response-cached: X-Cache, Age)', request: { query: schemas.list.query }, responses: { 200: { description: 'a page of products' } } });
  registry.registerPath({ method: 'get', path: '/products/{id}', summary: 'One product (entity cache)', request: { params: schemas.byId.params }, responses: { 200: { description: 'the product' }, 404: { description: 'not found' } } });
  registry.registerPath({ method: 'put', path: '/products/{id}', summary: 'Change a price (admin; invalidates by tag)', security: [{ apiKey: [] }, { bearer: [] }], request: { params: schemas.price.params, body: { content: { 'application/json': { schema: schemas.price.body } } } }, responses: { 200: { description: 'the product' }, 404: { description: 'not found' } } });
  registry.registerPath({ method: 'get', path: '/users/{id}', summary: 'One user: the public profile (cached); with the user’s own token or an admin’s, email and role too (never cached)', request: { params: schemas.byId.params }, responses: { 200: { description: 'the user' }, 404: { description: 'not found' } } });
  documentAdminRoutes(registry);
  serveOpenApi(app, registry, { title: 'Smart Cache API (lab 5.2.B)', description: 'Products and users over Postgres behind a two-tier cache.' });
  finishApp(app);
  return { app, cache, warm, close: () => cache.close() };
}
