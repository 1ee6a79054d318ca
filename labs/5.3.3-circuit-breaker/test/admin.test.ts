import { Writable } from 'node:stream';
import express from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer } from '../../../harness/faults';
import { waitFor } from '../../../harness/ports';
import { whenRedisReady } from '../../../shared/redis-client';
import { listen, type Listening } from '../../../shared/http';
import { createGateway, type Gateway } from '../src/app';
import { breakerRedisOptions, createBreaker, type Transition } from '../src/breaker';
import { breakerCommand } from '../src/cli';
import { createDownstream, setBehaviour } from '../src/downstream';
import { LocalBreaker } from '../src/local-breaker';
import { CLOSED, type BreakerRules } from '../src/types';

let ctx: LabContext;
let gateway: Gateway;
let server: Listening;
const KEYS = { 'admin-key': 'admin', 'viewer-key': 'viewer' } as const;

beforeAll(async () => {
  ctx = await createTestContext('5.3.3', { services: ['redis'] });
  gateway = createGateway({ redis: ctx.newRedis(breakerRedisOptions), keys: ctx.keys, apiKeys: KEYS, breakerNames: ['orders'] });
  server = await listen(gateway.app);
});
afterAll(async () => {
  await server.close();
  await gateway.close();
  await ctx.dispose();
});

const api = (path: string, opts: { method?: string; key?: string; body?: unknown } = {}) =>
  fetch(`${server.url}${path}`, {
    method: opts.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(opts.key ? { 'x-api-key': opts.key } : {}) },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });

describe('admin controls: HTTP routes behind a role, and the CLI', () => {
  it('401 without a key or with an unknown one, 403 for a viewer forcing, 200 for a viewer reading', async () => {
    expect((await api('/admin/breakers/payments')).status).toBe(401);
    const unknown = await api('/admin/breakers/payments', { key: 'nope' });
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    const forbidden = await api('/admin/breakers/payments/open', { method: 'POST', key: 'viewer-key', body: {} });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ error: { code: 'forbidden' } });
    const read = await api('/admin/breakers/payments', { key: 'viewer-key' });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ name: 'payments', state: 'closed', mode: 'redis' });
  });

  it('force open, force close and reset change the shared state every instance reads', async () => {
    const other = await createBreaker({ name: 'orders', redis: ctx.newRedis(breakerRedisOptions), keys: ctx.keys });
    const opened = await api('/admin/breakers/orders/open', { method: 'POST', key: 'admin-key', body: { reason: 'deploying v2' } });
    expect(opened.status).toBe(200);
    expect(await opened.json()).toMatchObject({ state: 'open', forced: 'open', reason: 'deploying v2' });
    expect(await other.status()).toMatchObject({ state: 'open', forced: 'open' });
    await api('/admin/breakers/orders/close', { method: 'POST', key: 'admin-key', body: {} });
    expect(await other.status()).toMatchObject({ state: 'closed', forced: 'closed' });
    const reset = await api('/admin/breakers/orders/reset', { method: 'POST', key: 'admin-key' });
    expect(await reset.json()).toMatchObject({ state: 'closed', forced: '', reason: 'reset by an operator', version: 3 });
    await other.close();
  });

  it('rejects bad input with a 4xx, never a 500', async () => {
    expect((await api('/admin/breakers/bad%20name', { key: 'admin-key' })).status).toBe(400);
    expect((await api('/admin/breakers/x/open', { method: 'POST', key: 'admin-key', body: { reason: 7 } })).status).toBe(400);
    expect((await api('/admin/breakers/x/explode', { method: 'POST', key: 'admin-key' })).status).toBe(404);
  });

  it('the CLI forces and reads the same state', async () => {
    const log = console.log;
    console.log = () => {};
    try {
      expect(await breakerCommand(ctx, ['open', 'billing', '--reason', 'from the CLI'])).toMatchObject({ state: 'open', forced: 'open', reason: 'from the CLI' });
      expect(await breakerCommand(ctx, ['status', 'billing'])).toMatchObject({ state: 'open' });
      expect(await breakerCommand(ctx, ['close', 'billing'])).toMatchObject({ state: 'closed', forced: 'closed' });
      expect(await breakerCommand(ctx, ['reset', 'billing'])).toMatchObject({ state: 'closed', forced: '' });
      await expect(breakerCommand(ctx, ['explode', 'billing'])).rejects.toThrow(/usage/);
      await expect(breakerCommand(ctx, ['open'])).rejects.toThrow(/usage/);
    } finally {
      console.log = log;
    }
  });
});

describe('admin HTTP while Redis is unreachable', () => {
  it('a force action is a 503 with the JSON error (an operator must reach everybody), and works again once Redis is back', async () => {
    const redisServer = await startRedisServer();
    const conn = new Redis(redisServer.url, breakerRedisOptions);
    conn.on('error', () => {});
    const gw = createGateway({ redis: conn, keys: ctx.keys, apiKeys: KEYS, breakerNames: ['refunds'] });
    const srv = await listen(gw.app);
    const call = (path: string, method = 'GET') =>
      fetch(`${srv.url}${path}`, { method, headers: { 'content-type': 'application/json', 'x-api-key': 'admin-key' }, body: method === 'POST' ? JSON.stringify({ reason: 'maintenance' }) : undefined });
    try {
      expect(await (await call('/admin/breakers/payments')).json()).toMatchObject({ state: 'closed', mode: 'redis' });
      const b = await gw.registry.get('payments');

      await redisServer.stop();
      await waitFor(() => conn.status !== 'ready', { what: 'the client to notice' });
      const refused = await call('/admin/breakers/payments/open', 'POST');
      expect(refused.status).toBe(503);
      expect(await refused.json()).toEqual({ error: { code: 'redis_unavailable', message: 'cannot change breaker payments while Redis is unreachable' } });
      // A breaker first used during the outage starts on local state, and refuses to be forced the same way.
      const fresh = await call('/admin/breakers/refunds/open', 'POST');
      expect(fresh.status).toBe(503);
      expect(await fresh.json()).toMatchObject({ error: { code: 'redis_unavailable' } });

      await redisServer.start();
      // Only reads and calls switch a breaker to local state; a refused admin action leaves it on Redis.
      expect(b.mode).toBe('redis');
      await waitFor(() => conn.status === 'ready', { what: 'the client to reconnect', timeoutMs: 15_000 });
      const opened = await call('/admin/breakers/payments/open', 'POST');
      expect(opened.status).toBe(200);
      expect(await opened.json()).toMatchObject({ state: 'open', forced: 'open', reason: 'maintenance', mode: 'redis' });
      const check = new Redis(redisServer.url);
      try {
        expect(await check.hget(b.keyNames.state, 'forced')).toBe('open');
      } finally {
        check.disconnect();
      }
    } finally {
      await srv.close();
      await gw.close();
      conn.disconnect();
      await redisServer.dispose();
    }
  });
});

describe('alerting: log line, event and webhook for every transition', () => {
  it('logs with the reason, emits the event and POSTs the webhook once', async () => {
    const received: Transition[] = [];
    const receiver = express();
    receiver.use(express.json());
    receiver.post('/hook', (req, res) => {
      received.push(req.body as Transition);
      res.sendStatus(204);
    });
    const hook = await listen(receiver);
    const lines: Array<{ msg: string; reason?: string; to?: string }> = [];
    const log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(JSON.parse(String(chunk))), cb()) }));
    const b = await createBreaker({ name: 'alerts', redis: ctx.newRedis(breakerRedisOptions), keys: ctx.keys, log, webhookUrl: `${hook.url}/hook` });
    const events: Transition[] = [];
    b.on('transition', (t: Transition) => events.push(t));
    try {
      await b.forceOpen('card processor outage');
      await waitFor(() => received.length === 1, { what: 'the webhook' });
      expect(received[0]).toMatchObject({ event: 'circuit_breaker.transition', name: 'alerts', from: 'closed', to: 'open', reason: 'card processor outage', origin: 'self', by: b.id });
      expect(events).toMatchObject([{ to: 'open', reason: 'card processor outage' }]);
      expect(lines.find((l) => l.to === 'open')).toMatchObject({ reason: 'card processor outage', msg: expect.stringContaining('OPEN') });
    } finally {
      await b.close();
      await hook.close();
    }
  });

  it('an unreachable webhook is logged, never thrown', async () => {
    // Connected first: a breaker starts without Redis after 2 s, and a cluster client (slot discovery
    // over every node) can take longer than that on a loaded machine; forceOpen needs Redis.
    const conn = ctx.newRedis(breakerRedisOptions);
    await whenRedisReady(conn, 10_000);
    const b = await createBreaker({ name: 'alerts2', redis: conn, keys: ctx.keys, webhookUrl: 'http://127.0.0.1:1/hook' });
    const result = new Promise<{ ok: boolean }>((resolve) => b.once('webhook', resolve));
    await b.forceOpen();
    expect((await result).ok).toBe(false);
    await b.close();
  });
});

describe('the flaky downstream', () => {
  it('changes failure rate and latency at run time; bad input is a 400', async () => {
    const d = createDownstream();
    const srv = await listen(d.app);
    try {
      expect((await fetch(`${srv.url}/pay`, { method: 'POST' })).status).toBe(200);
      expect(await setBehaviour(srv.url, { failureRate: 1 }, d.adminKey)).toEqual({ failureRate: 1, latencyMs: 0 });
      expect((await fetch(`${srv.url}/pay`, { method: 'POST' })).status).toBe(503);
      const bad = await fetch(`${srv.url}/admin/behaviour`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': d.adminKey }, body: '{"failureRate":2}' });
      expect(bad.status).toBe(400);
      expect(d.stats).toEqual({ requests: 2, failures: 1 });
    } finally {
      await srv.close();
    }
  });
});

describe('the in-process twin used while Redis is down', () => {
  const rules: BreakerRules = { bucketMs: 1_000, buckets: 10, minVolume: 4, failureThreshold: 0.5, coolDownMs: 1_000, halfOpenProbes: 2, probeTimeoutMs: 5_000 };
  it('follows the same rules: volume, threshold, cool-down, N probes, close', () => {
    const l = new LocalBreaker(CLOSED, rules);
    const t = 10_000;
    for (let i = 0; i < 3; i++) expect(l.record(false, 0, t)).toBeUndefined();
    expect(l.record(false, 0, t)).toMatchObject({ from: 'closed', view: { state: 'open', openUntil: t + 1_000 } });
    expect(l.admit(t + 999).admission.decision).toBe('reject');
    const first = l.admit(t + 1_000);
    expect(first).toMatchObject({ admission: { decision: 'probe' }, moved: { view: { state: 'half-open' } } });
    const second = l.admit(t + 1_000).admission;
    expect(l.admit(t + 1_000).admission.decision).toBe('reject');
    expect(l.record(true, first.admission.version, t + 1_001)).toBeUndefined();
    expect(l.record(true, second.version, t + 1_002)).toMatchObject({ view: { state: 'closed' } });
  });
});
