// Cache management: stats, health, keys, namespaces, tag invalidation, warming. Admin only.
import { Router } from 'express';
import { NotFoundError } from '../../../../shared/errors';
import { valid, validate } from '../../../../shared/http';
import { z, type OpenAPIRegistry } from '../../../../shared/openapi';
import type { SmartCache } from '../cache';
import { entryState } from '../entry';
import type { WarmReport } from '../warmer';
import { requireRole, type AuthConfig } from './auth';

const ns = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/);
export const adminSchemas = {
  keys: { query: z.object({ pattern: z.string().min(1).max(512).default('*'), namespace: ns.optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  key: { params: z.object({ key: z.string().min(1).max(4096) }), query: z.object({ namespace: ns.default('default') }) },
  namespace: { params: z.object({ ns }) },
  invalidate: { body: z.object({ tags: z.array(z.string().min(1).max(200)).min(1).max(100) }) },
  warm: { body: z.object({ limit: z.number().int().min(1).max(1000).optional() }) },
};

export function adminRoutes(cache: SmartCache, auth: AuthConfig, warm: (limit?: number) => Promise<WarmReport>): Router {
  const r = Router();
  r.use(requireRole('admin', auth));
  r.get('/stats', (_req, res) => {
    res.json({ ...cache.stats.snapshot(), l1: cache.l1 ? { entries: cache.l1.size, bytes: cache.l1.bytes } : null });
  });
  r.get('/health', async (_req, res) => {
    res.json(await cache.health());
  });
  r.get('/keys', validate(adminSchemas.keys), async (_req, res) => {
    const { query } = valid(res, adminSchemas.keys);
    res.json({ keys: await cache.listKeys(query.pattern, { namespace: query.namespace, limit: query.limit }) });
  });
  r.get('/keys/:key', validate(adminSchemas.key), async (_req, res) => {
    const { params, query } = valid(res, adminSchemas.key);
    const found = await cache.peek(params.key, { namespace: query.namespace });
    if (!found) throw new NotFoundError(`no cached value for ${params.key}`);
    const e = found.entry;
    res.json({ key: params.key, namespace: query.namespace, tier: found.tier, state: entryState(e, Date.now()), createdAt: new Date(e.createdAt), freshUntil: new Date(e.freshUntil), staleUntil: new Date(e.staleUntil), tags: e.tags, value: toJsonSafe(e.value) });
  });
  r.delete('/keys/:key', validate(adminSchemas.key), async (_req, res) => {
    const { params, query } = valid(res, adminSchemas.key);
    res.json({ deleted: await cache.delete(params.key, { namespace: query.namespace }) });
  });
  r.delete('/namespaces/:ns', validate(adminSchemas.namespace), async (_req, res) => {
    res.json({ deleted: await cache.clearNamespace(valid(res, adminSchemas.namespace).params.ns) });
  });
  r.post('/invalidate', validate(adminSchemas.invalidate), async (_req, res) => {
    res.json({ deleted: await cache.invalidateTags(valid(res, adminSchemas.invalidate).body.tags) });
  });
  r.post('/warm', validate(adminSchemas.warm), async (_req, res) => {
    res.json(await warm(valid(res, adminSchemas.warm).body.limit));
  });
  return r;
}

/** Cached values may hold BigInts, Maps, Buffers: show them in a JSON-friendly form. */
function toJsonSafe(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x)));
}

export function documentAdminRoutes(registry: OpenAPIRegistry): void {
  const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { bearer: [] }];
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  const ok = (description: string) => ({ 200: { description }, 401: { description: 'no credentials' }, 403: { description: 'not an admin' } });
  registry.registerPath({ method: 'get', path: '/cache/stats', summary: 'Hits/misses per tier and namespace, loader calls, stale serves, latency', security, responses: ok('stats') });
  registry.registerPath({ method: 'get', path: '/cache/health', summary: 'Redis ping and latency, breaker state', security, responses: ok('health') });
  registry.registerPath({ method: 'get', path: '/cache/keys', summary: 'Keys matching a pattern (SCAN)', security, request: { query: adminSchemas.keys.query }, responses: ok('keys') });
  registry.registerPath({ method: 'get', path: '/cache/keys/{key}', summary: 'One cached entry', security, request: adminSchemas.key, responses: { ...ok('the entry'), 404: { description: 'not cached' } } });
  registry.registerPath({ method: 'delete', path: '/cache/keys/{key}', summary: 'Delete one key everywhere', security, request: adminSchemas.key, responses: ok('deleted count') });
  registry.registerPath({ method: 'delete', path: '/cache/namespaces/{ns}', summary: 'Clear a namespace', security, request: adminSchemas.namespace, responses: ok('deleted count') });
  registry.registerPath({ method: 'post', path: '/cache/invalidate', summary: 'Invalidate by tags', security, request: { body: { content: { 'application/json': { schema: adminSchemas.invalidate.body } } } }, responses: ok('deleted count') });
  registry.registerPath({ method: 'post', path: '/cache/warm', summary: 'Warm the critical keys', security, request: { body: { content: { 'application/json': { schema: adminSchemas.warm.body } } } }, responses: ok('per-item report') });
}
