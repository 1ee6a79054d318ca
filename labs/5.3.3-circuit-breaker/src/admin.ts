// Admin routes for breakers, behind an API key that carries a role: no or unknown key → 401; a known
// key whose role may not do this → 403. Viewers may read state; only admins may force or reset.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError } from '../../../shared/errors';
import { valid, validate } from '../../../shared/http';
import { BreakerNameSchema, type BreakerRegistry } from './registry';

export type Role = 'admin' | 'viewer';
/** API key → role. */
export type ApiKeys = Record<string, Role>;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The role of the `x-api-key` header, compared in constant time against every configured key. */
export function roleOf(keys: ApiKeys, presented: string | undefined): Role | undefined {
  if (presented === undefined) return undefined;
  let found: Role | undefined;
  for (const [key, role] of Object.entries(keys)) if (timingSafeEqual(digest(key), digest(presented))) found = role;
  return found;
}

export function requireRole(keys: ApiKeys, ...allowed: Role[]): RequestHandler {
  return (req, _res, next) => {
    const presented = req.get('x-api-key');
    if (presented === undefined) throw new UnauthorizedError('an API key is required in the x-api-key header');
    const role = roleOf(keys, presented);
    if (!role) throw new UnauthorizedError('unknown API key', 'invalid_api_key');
    if (!allowed.includes(role)) throw new ForbiddenError(`the ${allowed.join(' or ')} role is required (this key is ${role})`);
    next();
  };
}

const params = { params: z.object({ name: BreakerNameSchema }) };
const action = { ...params, body: z.object({ reason: z.string().min(1).max(200).optional() }) };

export function adminRouter(registry: BreakerRegistry, keys: ApiKeys): Router {
  const router = Router();
  router.get('/breakers/:name', requireRole(keys, 'admin', 'viewer'), validate(params), async (_req, res) => {
    const b = await registry.get(valid(res, params).params.name);
    res.json(await b.status());
  });
  const ops = {
    open: (b, reason) => b.forceOpen(reason),
    close: (b, reason) => b.forceClose(reason),
    reset: (b, reason) => b.reset(reason),
  } satisfies Record<string, (b: Awaited<ReturnType<BreakerRegistry['get']>>, reason?: string) => Promise<unknown>>;
  for (const [op, apply] of Object.entries(ops)) {
    router.post(`/breakers/:name/${op}`, requireRole(keys, 'admin'), validate(action), async (_req, res) => {
      const { params: p, body } = valid(res, action);
      const b = await registry.get(p.name);
      await apply(b, body.reason);
      res.json(await b.status());
    });
  }
  return router;
}
