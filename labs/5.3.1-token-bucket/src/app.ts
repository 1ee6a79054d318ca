// A small API behind the limiter: the endpoints the demo, the tests and the bench call.
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import client from 'prom-client';
import { z } from 'zod';
import { createApp, finishApp, valid, validate } from '../../../shared/http';
import type { KeyBuilder } from '../../../shared/keys';
import { generateAdminToken, requireAdminToken } from './admin-token';
import { createTokenBucket } from './bucket';
import { createLimiter } from './limiter';
import { rateLimit, type FailMode } from './middleware';
import { parsePolicies, type PolicyInput } from './policy';
import { createLimitStats, type LimitStatsOptions } from './stats';
import type { RedisClient } from '../../../shared/redis-client';

/** The service's limits, as plain data. */
export const DEFAULT_POLICIES: PolicyInput[] = [
  { name: 'per-ip', by: ['ip'], capacity: 60, refillPerSec: 1 },
  { name: 'per-user', by: ['user'], capacity: 100, refillPerSec: 100 / 60 },
  { name: 'search', by: ['user', 'endpoint'], endpoints: ['GET /api/search'], capacity: 10, refillPerSec: 0.5 },
];

export interface LimitedAppOptions {
  redis: RedisClient;
  keys: KeyBuilder;
  policies?: PolicyInput[];
  failMode?: FailMode;
  legacyHeaders?: boolean;
  timeoutMs?: number;
  /** Injected clock (ms); Redis TIME when omitted. */
  now?: () => number;
  log?: Logger;
  /** Serve without the limiter at all (the bench's yardstick). */
  unlimited?: boolean;
  /** Bearer token for /limits/stats; a random one (see the returned `adminToken`) when omitted. */
  adminToken?: string;
  stats?: LimitStatsOptions;
}

export function createLimitedApp(opts: LimitedAppOptions) {
  const app = createApp({ name: 'lab_5_3_1' });
  const limiter = createLimiter(createTokenBucket(opts.redis, { now: opts.now }), opts.keys, parsePolicies(opts.policies ?? DEFAULT_POLICIES));
  const base = createLimitStats(opts.redis, opts.keys, opts.stats);
  const adminToken = opts.adminToken ?? generateAdminToken();
  // Redis failures are also a Prometheus counter on /metrics, so an alert can fire on them.
  const failures = new client.Counter({
    name: 'lab_5_3_1_limiter_redis_failures_total',
    help: 'rate limiter decisions skipped because Redis did not answer, by failure mode',
    labelNames: ['mode'] as const,
    registers: [app.locals.metrics],
  });
  const stats = {
    ...base,
    recordFailure(mode: FailMode) {
      failures.inc({ mode });
      base.recordFailure(mode);
    },
  };

  // Outside the limiter: the analytics themselves, for the operator only.
  const statsQuery = { query: z.object({ top: z.coerce.number().int().min(1).max(100).default(10) }) };
  app.get('/limits/stats', requireAdminToken(adminToken), validate(statsQuery), async (_req, res) => {
    res.json(await stats.read(valid(res, statsQuery).query.top));
  });
  app.get('/limits/policies', (_req, res) => {
    res.json({ policies: limiter.policies });
  });

  // The limiter sits inside each route, so it keys on the route the router matched (every spelling
  // Express serves as /api/search is one endpoint); after the routes it also meters the requests no
  // route matched, as one "(no route)" endpoint, so probing unknown paths still spends the IP's tokens.
  const limit: RequestHandler = opts.unlimited
    ? (_req, _res, next) => next()
    : rateLimit({ limiter, stats, failMode: opts.failMode, legacyHeaders: opts.legacyHeaders, timeoutMs: opts.timeoutMs, log: opts.log });
  app.get('/api/hello', limit, (_req, res) => {
    res.json({ hello: 'world' });
  });
  const searchSchema = { query: z.object({ q: z.string().max(100).default('') }) };
  app.get('/api/search', limit, validate(searchSchema), (_req, res) => {
    res.json({ q: valid(res, searchSchema).query.q, results: [] });
  });
  app.use('/api', limit);
  finishApp(app);
  return { app, limiter, stats, adminToken, close: () => stats.close() };
}
