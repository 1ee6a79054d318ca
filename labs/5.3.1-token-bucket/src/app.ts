// A small API behind the limiter: the endpoints the demo, the tests and the bench call.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import client from 'prom-client';
import { z } from 'zod';
import { createApp, finishApp, valid, validate } from '../../../shared/http';
import type { KeyBuilder } from '../../../shared/keys';
import { createTokenBucket } from './bucket';
import { createLimiter } from './limiter';
import { rateLimit, type FailMode } from './middleware';
import { parsePolicies, type PolicyInput } from './policy';
import { createLimitStats } from './stats';

/** The service's limits, as plain data. */
export const DEFAULT_POLICIES: PolicyInput[] = [
  { name: 'per-ip', by: ['ip'], capacity: 60, refillPerSec: 1 },
  { name: 'per-user', by: ['user'], capacity: 100, refillPerSec: 100 / 60 },
  { name: 'search', by: ['user', 'endpoint'], endpoints: ['GET /api/search'], capacity: 10, refillPerSec: 0.5 },
];

export interface LimitedAppOptions {
  redis: Redis;
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
}

export function createLimitedApp(opts: LimitedAppOptions) {
  const app = createApp({ name: 'lab_5_3_1' });
  const limiter = createLimiter(createTokenBucket(opts.redis, { now: opts.now }), opts.keys, parsePolicies(opts.policies ?? DEFAULT_POLICIES));
  const base = createLimitStats(opts.redis, opts.keys);
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

  // Outside the limiter: the analytics themselves.
  const statsQuery = { query: z.object({ top: z.coerce.number().int().min(1).max(100).default(10) }) };
  app.get('/limits/stats', validate(statsQuery), async (_req, res) => {
    res.json(await stats.read(valid(res, statsQuery).query.top));
  });
  app.get('/limits/policies', (_req, res) => {
    res.json({ policies: limiter.policies });
  });

  if (!opts.unlimited) {
    app.use('/api', rateLimit({ limiter, stats, failMode: opts.failMode, legacyHeaders: opts.legacyHeaders, timeoutMs: opts.timeoutMs, log: opts.log }));
  }
  app.get('/api/hello', (_req, res) => {
    res.json({ hello: 'world' });
  });
  const searchSchema = { query: z.object({ q: z.string().max(100).default('') }) };
  app.get('/api/search', validate(searchSchema), (_req, res) => {
    res.json({ q: valid(res, searchSchema).query.q, results: [] });
  });
  finishApp(app);
  return { app, limiter, stats, close: () => stats.close() };
}
