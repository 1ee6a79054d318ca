// Monitoring: the metrics beyond the service's own (rate-limit decisions by policy, breaker state,
// cache hit ratio per resource, request latency by route), /health with a status-code policy, and the
// small live dashboard (/dashboard: a static page that polls the admin-only /dashboard/data).
import type { Express, RequestHandler } from 'express';
import type { RedisClient } from '../../shared/redis-client';
import client from 'prom-client';
import { ForbiddenError } from '../../shared/errors';
import type { Decision } from '../../labs/5.3.1-token-bucket/src/limiter';
import type { LimitStats } from '../../labs/5.3.1-token-bucket/src/stats';
import { HIT_OUTCOMES, type CacheOutcome } from './cache';
import { CACHE_POLICIES, type Resource } from './cache-policy';
import { dashboardPage, dashboardScript } from './dashboard';
import type { BookService } from './service';
import { hasAdminKey } from './trace';

const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
/** Each health check's budget: /health answers within 1 s whatever is stalled. */
const CHECK_MS = 400;

export interface HitRatio {
  hits: number;
  total: number;
  /** null before any read. */
  ratio: number | null;
}

/** Hit ratio per resource from the service's in-process outcome counts (HIT-L1, HIT, WAIT, STALE count as hits). */
export function hitRatios(outcomes: Map<string, number>): Record<string, HitRatio> {
  const out: Record<string, HitRatio> = {};
  for (const resource of Object.keys(CACHE_POLICIES)) out[resource] = { hits: 0, total: 0, ratio: null };
  for (const [k, n] of outcomes) {
    const [resource, outcome] = k.split(' ') as [Resource, CacheOutcome];
    const r = (out[resource] ??= { hits: 0, total: 0, ratio: null });
    r.total += n;
    if (HIT_OUTCOMES.has(outcome)) r.hits += n;
  }
  for (const r of Object.values(out)) r.ratio = r.total ? Math.round((r.hits / r.total) * 1000) / 1000 : null;
  return out;
}

export interface Monitoring {
  /** Mount before the routes: times every request by its route pattern. */
  timer: RequestHandler;
  /** Give to the rate limiter: counts its decisions per policy. */
  limitStats: LimitStats;
  /** Rate-limit decisions counted in this process, `policy allowed|denied` → n. */
  decisions: Map<string, number>;
  /** /health, /dashboard and its data. */
  mount(app: Express): void;
}

export function createMonitoring(registry: client.Registry, service: BookService, opts: { redis: RedisClient; adminKey?: string }): Monitoring {
  const latency = new client.Histogram({
    name: 'capstone_http_request_duration_seconds',
    help: 'request latency by route pattern',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const limitDecisions = new client.Counter({ name: 'capstone_rate_limit_decisions_total', help: 'rate-limit decisions by policy: allowed, denied (this policy was limiting) or failed_open (Redis unavailable)', labelNames: ['policy', 'decision'], registers: [registry] });
  new client.Gauge({
    name: 'capstone_breaker_state',
    help: '1 for the state each breaker is in (closed, open, half-open), 0 for the others',
    labelNames: ['breaker', 'state'],
    registers: [registry],
    collect() {
      const now = service.breaker.current.state;
      for (const state of BREAKER_STATES) this.set({ breaker: service.breaker.name, state }, state === now ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'capstone_cache_hit_ratio',
    help: 'share of reads per resource answered without a Postgres load (HIT-L1, HIT, WAIT, STALE), since start',
    labelNames: ['resource'],
    registers: [registry],
    collect() {
      for (const [resource, r] of Object.entries(hitRatios(service.outcomes))) if (r.ratio !== null) this.set({ resource }, r.ratio);
    },
  });

  const decisions = new Map<string, number>();
  const count = (policy: string, decision: string) => {
    limitDecisions.inc({ policy, decision });
    const k = `${policy} ${decision}`;
    decisions.set(k, (decisions.get(k) ?? 0) + 1);
  };
  // 5.3.1's stats hook, counted into prom-client; the read side (its Redis analytics) is not used here.
  const limitStats: LimitStats = {
    record(decision: Decision) {
      for (const r of decision.results) count(r.policy.name, r.limiting && !decision.allowed ? 'denied' : 'allowed');
    },
    recordFailure(mode) {
      count('(all)', mode === 'open' ? 'failed_open' : 'failed_closed');
    },
    flush: async () => {},
    read: async () => ({ counts: [], topOffenders: [], redisFailures: { failedOpen: 0, failedClosed: 0 }, available: false }),
    close: async () => {},
  };

  const timer: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      end({ method: req.method, route, status: res.statusCode });
    });
    next();
  };

  const admin: RequestHandler = (req, _res, next) => (hasAdminKey(req, opts.adminKey) ? next() : next(new ForbiddenError('admin key required')));

  return {
    timer,
    limitStats,
    decisions,
    mount(app) {
      app.get('/health', async (_req, res) => {
        const h = await health(service, opts.redis);
        res.set('Cache-Control', 'no-store').status(h.status === 'down' ? 503 : 200).json(h);
      });
      app.get('/dashboard', (_req, res) => {
        res.set('Content-Security-Policy', "default-src 'self'; style-src 'unsafe-inline'").type('html').send(dashboardPage);
      });
      app.get('/dashboard/app.js', (_req, res) => void res.type('js').send(dashboardScript));
      app.get('/dashboard/data', admin, (_req, res) => {
        const limits: Record<string, Record<string, number>> = {};
        for (const [k, n] of decisions) {
          const [policy, decision] = k.split(' ') as [string, string];
          (limits[policy] ??= {})[decision] = n;
        }
        res.set('Cache-Control', 'no-store').json({
          at: Date.now(),
          hitRatio: hitRatios(service.outcomes),
          rateLimits: limits,
          breakers: [{ name: service.breaker.name, state: service.breaker.current.state }],
          postgresQueries: service.db.queries,
          l1Invalidation: service.cache.bus ? (service.cache.bus.connected ? 'subscribed' : 'disconnected') : 'off',
        });
      });
    },
  };
}

export interface Health {
  /** ok: everything up (200) · degraded: still answering, with the fallbacks listed (200) · down: Postgres away, misses and writes fail (503). */
  status: 'ok' | 'degraded' | 'down';
  redis: 'up' | 'down';
  postgres: 'up' | 'down';
  breaker: string;
  l1Invalidation: 'subscribed' | 'disconnected' | 'off';
  degraded: string[];
}

/** Each check within CHECK_MS: a stalled dependency reads as down, /health never hangs. */
export async function health(service: BookService, redis: RedisClient): Promise<Health> {
  const within = <T>(p: Promise<T>) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), CHECK_MS)));
    return Promise.race([p, late]).finally(() => clearTimeout(timer));
  };
  const [r, p] = await Promise.all([
    within(redis.ping()).then(() => 'up' as const, () => 'down' as const),
    within(service.opts.pool.query('SELECT 1')).then(() => 'up' as const, () => 'down' as const),
  ]);
  const breaker = service.breaker.current.state;
  const bus = service.cache.bus;
  const l1Invalidation = bus ? (bus.connected ? 'subscribed' : 'disconnected') : 'off';
  const degraded = [
    r === 'down' && 'redis: cache bypassed (reads from Postgres), boards computed by Postgres, writes and /me answer 503 (sessions fail closed)',
    p === 'down' && 'postgres: only cached reads are served; misses and writes answer 503',
    breaker !== 'closed' && `metadata: breaker ${breaker}, pages answer with the last cached metadata and degraded: true`,
    r === 'up' && l1Invalidation === 'disconnected' && 'l1 invalidation: channel disconnected, other processes\' writes reach this L1 within its 1 s ttl',
  ].filter((d): d is string => typeof d === 'string');
  return { status: p === 'down' ? 'down' : degraded.length ? 'degraded' : 'ok', redis: r, postgres: p, breaker, l1Invalidation, degraded };
}
