// Rate limits come from lab 5.3.1 (a token bucket in one Lua script, several policies per request,
// RateLimit headers). This file is the capstone's only import point for it, and holds its policies.
import type { Request, RequestHandler } from 'express';
import type { RedisClient } from '../../shared/redis-client';
import type { Logger } from 'pino';
import type { KeyBuilder } from '../../shared/keys';
import { createTokenBucket } from '../../labs/5.3.1-token-bucket/src/bucket';
import { createLimiter } from '../../labs/5.3.1-token-bucket/src/limiter';
import { rateLimit } from '../../labs/5.3.1-token-bucket/src/middleware';
import { parsePolicies, type PolicyInput } from '../../labs/5.3.1-token-bucket/src/policy';
import type { LimitStats } from '../../labs/5.3.1-token-bucket/src/stats';

export type { PolicyInput };

/** The write routes, as `METHOD <route pattern>`: the stricter per-user-per-route policy applies to them. */
export const WRITE_ENDPOINTS = ['POST /books/:id/reviews', 'PATCH /reviews/:id', 'DELETE /reviews/:id', 'POST /reviews/:id/votes'];

export const DEFAULT_LIMITS: PolicyInput[] = [
  { name: 'per-ip', by: ['ip'], capacity: 600, refillPerSec: 100 },
  { name: 'per-user', by: ['user'], capacity: 300, refillPerSec: 50 },
  // Writes: a burst of 5 per route per user, then one every 5 s.
  { name: 'writes', by: ['user', 'endpoint'], endpoints: WRITE_ENDPOINTS, capacity: 5, refillPerSec: 0.2 },
];

/** The endpoint as its route pattern, so /books/1 and /books/2 share one bucket. */
function identify(req: Request) {
  const user = (req as { userId?: string }).userId;
  const route = (req.route?.path as string | undefined) ?? req.path;
  return { user, ip: req.ip ?? 'unknown', endpoint: `${req.method} ${route}` };
}

/** Per-route middleware (mounted inside each route, where req.route is known). Fails open: a Redis outage does not take the API down. */
export function createRateLimit(redis: RedisClient, keys: KeyBuilder, policies: PolicyInput[], opts: { now?: () => number; log?: Logger; stats?: LimitStats } = {}): RequestHandler {
  const limiter = createLimiter(createTokenBucket(redis, { now: opts.now }), keys.forLab('capstone-limits'), parsePolicies(policies));
  return rateLimit({ limiter, identify, failMode: 'open', timeoutMs: 200, log: opts.log, stats: opts.stats });
}
