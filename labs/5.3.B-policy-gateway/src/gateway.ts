// The gateway: express routes from the configured patterns, each: request id → identity → plan (tier,
// most specific rule, override) → one Lua decision → breaker → http-proxy-middleware to the downstream.
// Admin API, dashboard and /metrics live on a second app mounted after the proxied routes, so proxied
// bodies are streamed untouched (no JSON parser runs before the proxy).
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type Request, type Response } from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import type { RedisOptions } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import client from 'prom-client';
import { AppError } from '../../../shared/errors';
import { createApp, finishApp } from '../../../shared/http';
import type { KeyBuilder } from '../../../shared/keys';
import type { RedisClient } from '../../../shared/redis-client';
import { createBreaker, type Admission, type RedisCircuitBreaker } from '../../5.3.3-circuit-breaker/src/breaker';
import { mountAdmin } from './admin';
import type { Gateway, InstanceReport } from './gateway-types';
import { Analytics, type Outcome } from './analytics';
import { GatewayConfigSchema, type DownstreamConfig, type GatewayConfig, type GatewayConfigInput } from './config';
import { mountDashboard } from './dashboard';
import { identify } from './identity';
import { Limiter, type LimitDecision } from './limiter';
import { normalizeMethod } from './match';
import { planFor, type Identity, type Plan } from './plan';
import { circuitOpen, invalidKey, limiterUnavailable, rateLimited, rateLimitFields, sendProblem, upstreamFailed } from './problem';
import { PolicyStore } from './store';
import { PolicyWatcher } from './watcher';

export interface GatewayOptions {
  config: GatewayConfigInput;
  /** Serving Redis client for decisions and analytics. */
  redis: RedisClient;
  /** Makes further serving clients (subscribers, the breakers' own, with tighter timeouts). */
  newRedis: (options?: RedisOptions) => RedisClient;
  pool: pg.Pool;
  keys: KeyBuilder;
  log: Logger;
  /** Limiter clock (ms); default: the Redis server's clock. */
  now?: () => number;
}

export type { Gateway, InstanceReport } from './gateway-types';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

interface Flight {
  requestId: string;
  identity?: Identity;
  plan?: Plan;
  decision?: LimitDecision;
  outcome: Outcome;
  admission?: Admission;
  breaker?: RedisCircuitBreaker;
  route: string;
}
const flights = new WeakMap<IncomingMessage, Flight>();

export async function createGateway(opts: GatewayOptions): Promise<Gateway> {
  const config = GatewayConfigSchema.parse(opts.config);
  const { redis, keys, log } = opts;
  const id = config.instanceId ?? `gw-${randomBytes(3).toString('hex')}`;
  const channel = keys.key('policy', 'changed');
  const store = new PolicyStore(opts.pool, async (version) => {
    // Best effort: the version check is the backstop when this message is lost.
    await redis.publish(channel, String(version)).catch(() => {});
    // The instance that made the change enforces it before it answers: the next request meets it.
    await watcher.refresh(version);
  });
  await store.migrate();
  // Subscribers get no command timeout: ioredis re-sends SUBSCRIBE itself after a reconnect, and a
  // timeout on that internal command would be a rejection nobody can catch.
  const subscriber = opts.newRedis({ commandTimeout: undefined });
  const watcher = new PolicyWatcher({ source: store, subscriber, channel, pollMs: config.pollMs });
  watcher.on('error', (err: Error) => log.warn({ err: err.message }, 'policy reload failed; keeping the current version'));
  watcher.on('change', (s: { version: number }) => log.info({ version: s.version, instance: id }, 'policies reloaded'));
  await watcher.start();

  const limiter = new Limiter(redis, keys, { boundMs: config.limiterBoundMs, now: opts.now });
  const analytics = new Analytics(redis, keys, { streamMaxLen: config.streamMaxLen, topN: config.topN });
  analytics.start();

  // The breakers' own connection answers or gives up within 150 ms: a request that already waited the
  // limiter's bound must still be answered inside 1 s while Redis stalls.
  const breakerRedis = opts.newRedis({ commandTimeout: 150 });
  const breakerSub = opts.newRedis({ commandTimeout: undefined });
  const breakers = new Map<string, RedisCircuitBreaker>();
  for (const d of config.downstreams) {
    breakers.set(d.name, await createBreaker({ name: d.name, redis: breakerRedis, subscriber: breakerSub, keys, log, id, callTimeoutMs: 0, ...config.breaker }));
  }

  // Instance reports: who runs which policy version (the dashboard and /admin/instances read them).
  const instancesKey = keys.key('instances');
  const heartbeat = () => redis.hset(instancesKey, id, JSON.stringify({ version: watcher.version, at: Date.now() })).catch(() => {});
  void heartbeat();
  watcher.on('change', () => void heartbeat());
  const beat = setInterval(() => void heartbeat(), 1_000);
  beat.unref();

  // Metrics on the admin app's registry, so /metrics shows both.
  const adminApp = createApp({ name: 'gateway' });
  const decisions = new client.Counter({ name: 'gateway_decisions_total', help: 'Gateway decisions by tier and outcome', labelNames: ['tier', 'outcome'] as const, registers: [adminApp.locals.metrics] });
  new client.Gauge({ name: 'gateway_policy_version', help: 'Policy version this instance enforces', registers: [adminApp.locals.metrics], collect() { this.set(watcher.version); } });

  const app = express();
  app.disable('x-powered-by');
  const proxies = new Map(config.downstreams.map((d) => [d.name, proxyFor(d)]));
  const downstreams = new Map(config.downstreams.map((d) => [d.name, d]));

  for (const route of config.routes) {
    const d = downstreams.get(route.downstream);
    if (!d) throw new Error(`route ${route.pattern} names an unknown downstream ${route.downstream}`);
    const proxy = proxies.get(d.name)!;
    const breaker = breakers.get(d.name)!;
    app.all(route.pattern, async (req: Request, res: Response, next) => {
      try {
        await handle(req, res, route.pattern, d, breaker, proxy);
      } catch (err) {
        next(err);
      }
    });
  }

  async function handle(req: Request, res: Response, pattern: string, d: DownstreamConfig, breaker: RedisCircuitBreaker, proxy: ReturnType<typeof proxyFor>) {
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.headers['x-request-id'] = requestId;
    res.setHeader('X-Request-Id', requestId);
    const method = normalizeMethod(req.method);
    const flight: Flight = { requestId, outcome: 'allowed', route: pattern };
    flights.set(req, flight);
    res.on('finish', () => finish(req, res, flight, method));

    const snap = watcher.current;
    let identity: Identity;
    try {
      identity = identify(req, snap);
    } catch {
      sendProblem(res, invalidKey(requestId));
      return;
    }
    const plan = planFor(snap, identity, method, pattern);
    flight.identity = identity;
    flight.plan = plan;
    const decision = await limiter.decide(identity, plan);
    flight.decision = decision;
    const fields = rateLimitFields(decision);
    if (decision.failure === 'closed') {
      flight.outcome = 'fail-closed';
      sendProblem(res, limiterUnavailable(plan, requestId), { 'Retry-After': '1' });
      return;
    }
    if (!decision.allowed) {
      flight.outcome = 'denied';
      sendProblem(res, rateLimited(plan, decision, requestId), { ...fields, 'Retry-After': String(decision.retryAfterSec ?? 1) });
      return;
    }
    flight.outcome = decision.failure === 'open' ? 'fail-open' : decision.shadowDenied ? 'shadow' : 'allowed';
    for (const [k, v] of Object.entries(fields)) res.setHeader(k, v);

    const admission = await breaker.acquire();
    if (admission.decision === 'reject') {
      const view = breaker.current;
      const retryAfter = Math.max(1, Math.ceil(((view.openUntil || Date.now() + (config.breaker.coolDownMs ?? 5000)) - Date.now()) / 1000));
      if (d.fallback) {
        flight.outcome = 'fallback';
        res.status(d.fallback.status).setHeader('X-Fallback', 'circuit-open');
        res.json(d.fallback.body);
        return;
      }
      flight.outcome = 'circuit-open';
      sendProblem(res, circuitOpen(d.name, view.reason, retryAfter, requestId), { 'Retry-After': String(retryAfter) });
      return;
    }
    flight.admission = admission;
    flight.breaker = breaker;
    await proxy(req, res);
  }

  function proxyFor(d: DownstreamConfig) {
    return createProxyMiddleware<IncomingMessage, ServerResponse>({
      target: d.url,
      proxyTimeout: d.timeoutMs,
      xfwd: true,
      on: {
        proxyRes: (proxyRes, req) => settle(req, (proxyRes.statusCode ?? 500) < 500),
        error: (err, req, res) => {
          settle(req, false);
          const flight = flights.get(req);
          const timedOut = /timeout|ECONNRESET|socket hang up/i.test(`${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`);
          if (res instanceof Object && 'writeHead' in res) sendProblem(res as ServerResponse, upstreamFailed(d.name, timedOut, flight?.requestId ?? ''));
        },
      },
    });
  }

  function settle(req: IncomingMessage, ok: boolean) {
    const flight = flights.get(req);
    if (!flight?.breaker || !flight.admission) return;
    const { breaker, admission } = flight;
    flight.breaker = undefined;
    breaker.report(ok, admission).catch((err: Error) => log.warn({ err: err.message }, 'breaker report failed'));
  }

  function finish(req: Request, res: Response, flight: Flight, method: string) {
    const tier = flight.plan?.tier.name ?? 'unknown';
    decisions.inc({ tier, outcome: flight.outcome });
    const event = {
      at: Date.now(),
      requestId: flight.requestId,
      identity: flight.identity?.id ?? `ip:${req.socket.remoteAddress}`,
      keyId: flight.identity?.keyId ?? '',
      tier,
      rule: flight.plan?.rule?.id ?? '',
      method,
      route: flight.route,
      status: res.statusCode,
      outcome: flight.outcome,
      cost: flight.plan?.cost ?? 1,
      usage: flight.decision?.usage ?? 0,
    };
    if (flight.identity) analytics.record(event);
    // Denials always, the rest sampled: a log line per request would cost more than the gateway.
    const notable = flight.outcome !== 'allowed' && flight.outcome !== 'fail-open';
    if (notable || Math.random() < config.logSampleRate) {
      log.info({ rid: event.requestId, identity: event.identity, tier, rule: event.rule, route: `${method} ${flight.route}`, status: event.status, outcome: flight.outcome }, 'decision');
    }
  }

  const gateway: Gateway = {
    app,
    config,
    id,
    store,
    watcher,
    analytics,
    breakers,
    redis,
    async instances() {
      const all = await redis.hgetall(instancesKey);
      const now = Date.now();
      const out: InstanceReport[] = [];
      for (const [iid, raw] of Object.entries(all)) {
        const r = JSON.parse(raw) as { version: number; at: number };
        // Bounded: instances silent for a minute are forgotten.
        if (now - r.at > 60_000) void redis.hdel(instancesKey, iid).catch(() => {});
        else out.push({ id: iid, version: r.version, at: r.at });
      }
      return out.sort((a, b) => a.id.localeCompare(b.id));
    },
    async redisHealthy() {
      if (redis.status !== 'ready') return false;
      return redis.ping().then(() => true, () => false);
    },
    async close() {
      clearInterval(beat);
      await watcher.stop();
      await analytics.stop().catch(() => {});
      for (const b of breakers.values()) await b.close();
      await redis.hdel(instancesKey, id).catch(() => {});
    },
  };

  mountAdmin(adminApp, gateway);
  mountDashboard(adminApp, gateway);
  finishApp(adminApp);
  app.use(adminApp);
  app.use(((err, req, res, _next) => {
    // Only the proxied routes end up here (the admin app has its own handler): a bug, or Redis gone
    // in a way the limiter did not catch. Never a driver message.
    const status = err instanceof AppError ? err.status : 500;
    if (status >= 500) log.error({ err }, 'gateway error');
    sendProblem(res, { type: 'about:blank', title: 'Gateway error', status, detail: err instanceof AppError ? err.message : 'internal error', instance: flights.get(req)?.requestId });
  }) as express.ErrorRequestHandler);
  return gateway;
}
