// The gateway end to end: real downstream processes, real Redis and Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { waitFor } from '../../../harness/ports';
import type { DownstreamProcess } from '../src/downstream';
import type { RunningInstance } from '../src/instance';
import type { PolicyStore } from '../src/store';
import { admin, downstreamsFor, seed, startTestGateway, testConfig, poll } from './helpers';

let ctx: LabContext;
let ds: DownstreamProcess[];
let gw: RunningInstance;
let store: PolicyStore;
let adm: ReturnType<typeof admin>;
let proKey: string;
let freeKey: string;
const orders = () => ds.find((d) => d.name === 'orders')!;
const payments = () => ds.find((d) => d.name === 'payments')!;

beforeAll(async () => {
  ctx = await createTestContext('5.3.B', { serving: true });
  ds = await downstreamsFor(ctx);
  store = await seed(ctx);
  const cfg = testConfig(ds);
  cfg.downstreams = cfg.downstreams.map((d) => (d.name === 'search' ? { ...d, fallback: { status: 200, body: { results: [], degraded: true } } } : d));
  gw = await startTestGateway(ctx, cfg);
  adm = admin(gw.url);
  proKey = (await adm('POST', '/admin/keys', { tenant: 'acme', tier: 'pro' })).body.key;
  freeKey = (await adm('POST', '/admin/keys', { tenant: 'bob', tier: 'free' })).body.key;
  await waitFor(() => gw.gateway.watcher.current.keysByHash.size === 2, { what: 'the new keys to load' });
});
afterAll(() => ctx.dispose());

const json = async (res: Response): Promise<any> => res.json();
const get = (path: string, key?: string, init: RequestInit = {}) => fetch(gw.url + path, { ...init, headers: { ...(key ? { 'x-api-key': key } : {}), ...(init.headers as Record<string, string>) } });

describe('proxying', () => {
  it('forwards to the downstream, propagates X-Request-Id both ways, and makes one when missing', async () => {
    const res = await get('/search?q=redis', proKey, { headers: { 'x-request-id': 'req-123' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(await json(res)).toMatchObject({ service: 'search', path: '/search?q=redis', requestId: 'req-123' });
    const res2 = await get('/search', proKey, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = res2.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await json(res2)).requestId).toBe(id);
  });

  it('streams the body chunk by chunk', async () => {
    const res = await get('/stream', proKey);
    const reader = res.body!.getReader();
    let chunks = 0;
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      text += new TextDecoder().decode(value);
    }
    expect(text.split('\n').filter(Boolean)).toHaveLength(5);
    expect(chunks).toBeGreaterThan(1);
  });

  it('answers 504 problem+json when the downstream is slower than its timeout', async () => {
    await orders().configure({ latencyMs: 2_500 });
    try {
      const res = await get('/orders', proKey, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(res.status).toBe(504);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect((await json(res)).type).toMatch(/upstream-timeout$/);
    } finally {
      await orders().configure({ latencyMs: 0 });
    }
  });

  it('an unknown key is a 401 problem, never proxied', async () => {
    const before = (await orders().stats()).requests;
    const res = await get('/orders/1', 'gw_not-a-key');
    expect(res.status).toBe(401);
    expect((await json(res)).type).toMatch(/invalid-api-key$/);
    expect((await orders().stats()).requests).toBe(before);
  });
});

describe('limits, headers and problems', () => {
  it('sends RateLimit-Policy and RateLimit for every enforced limit, and a 429 problem naming policy, tier and upgrade', async () => {
    // free: 5 per day; rule "order": 3 per day on GET /orders/:id.
    const first = await get('/orders/1', freeKey);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"free-day";q=5;w=86400, "order-day";q=3;w=86400');
    expect(first.headers.get('ratelimit')).toMatch(/^"free-day";r=4;t=\d+, "order-day";r=2;t=\d+$/);
    await get('/orders/2', freeKey);
    await get('/orders/3', freeKey);
    const denied = await get('/orders/4', freeKey);
    expect(denied.status).toBe(429);
    expect(denied.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(denied.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await json(denied);
    expect(body).toMatchObject({ status: 429, tier: 'free', policy: 'order-day', rule: 'order', upgrade: 'upgrade to pro' });
    expect(body.type).toMatch(/rate-limited$/);
    // The tier's own limit was not charged by the refusal: 2 left of free-day.
    const search = await get('/search', freeKey);
    expect(search.headers.get('ratelimit')).toMatch(/"free-day";r=1/);
  });

  it('no spelling of a route escapes its rule: case, trailing slash, encoding, query, HEAD', async () => {
    const { key } = (await adm('POST', '/admin/keys', { tenant: 'spell', tier: 'pro' })).body;
    await poll(() => gw.gateway.watcher.current.keysByHash.size).toBe(3);
    const before = (await orders().stats()).requests;
    const spellings = ['/orders/1', '/ORDERS/2', '/orders/3/', '/Orders/%34', '/orders/5?x=1', '/orders/6;x', '//orders/7', '/orders/./8', '/orders/9%2F'];
    const statuses: number[] = [];
    for (const s of spellings) statuses.push((await get(s, key)).status);
    statuses.push((await get('/orders/10', key, { method: 'HEAD' })).status);
    const reached = (await orders().stats()).requests - before;
    // The rule allows 3 a day: whatever spelling, at most 3 reach the downstream.
    expect(reached).toBe(3);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.every((s) => s === 200 || s === 429 || s === 404)).toBe(true);
  });
  it('a shadow rule never refuses: would-be denials are counted (outcome shadow), its limit is not advertised', async () => {
    const v = (await adm('PUT', '/admin/rules/orders-post', { id: 'orders-post', method: 'POST', route: '/orders', limits: [{ window: 'day', limit: 1 }], shadow: true })).body.version;
    expect(gw.gateway.watcher.version).toBeGreaterThanOrEqual(v);
    const post = () => get('/orders', proKey, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const statuses = [(await post()).status, (await post()).status, (await post()).status];
    expect(statuses).toEqual([200, 200, 200]);
    const last = await post();
    expect(last.headers.get('ratelimit-policy')).toBe('"pro-day";q=100;w=86400');
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_decisions_total\{tier="pro",outcome="shadow"\} 3/);
  });
});

describe('breakers', () => {
  it('a failing downstream opens its breaker: distinct 503 problem with Retry-After, downstream no longer called', async () => {
    await payments().configure({ failureRate: 1 });
    for (let i = 0; i < 4; i++) expect((await get('/payments', proKey)).status).toBe(500);
    await poll(async () => (await get('/payments', proKey)).status).toBe(503);
    const before = (await payments().stats()).requests;
    const res = await get('/payments', proKey);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await json(res)).type).toMatch(/circuit-open$/);
    expect((await payments().stats()).requests).toBe(before);
    await payments().configure({ failureRate: 0 });
    expect((await adm('POST', '/admin/breakers/payments', { action: 'reset' })).status).toBe(200);
    expect((await get('/payments', proKey)).status).toBe(200);
  });

  it('force-open from the admin API serves the configured fallback where there is one', async () => {
    expect((await adm('POST', '/admin/breakers/search', { action: 'force-open' })).body.state).toBe('open');
    const res = await get('/search', proKey);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-fallback')).toBe('circuit-open');
    expect(await json(res)).toEqual({ results: [], degraded: true });
    await adm('POST', '/admin/breakers/search', { action: 'reset' });
    expect((await json(await get('/search', proKey))).service).toBe('search');
  });
});

describe('admin API', () => {
  it('refuses without the admin key, validates every input, and rejects a rule for a route that does not exist', async () => {
    expect((await fetch(`${gw.url}/admin/tiers`)).status).toBe(401);
    expect((await fetch(`${gw.url}/admin/tiers`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await adm('PUT', '/admin/tiers/pro', { name: 'pro', limits: [{ window: 'week', limit: 1 }] })).status).toBe(400);
    expect((await adm('PUT', '/admin/rules/x', { id: 'x', route: '/nope' })).status).toBe(422);
    expect((await adm('POST', '/admin/keys', { tenant: 'a', tier: 'gold' })).status).toBe(404);
    expect((await adm('DELETE', '/admin/tiers/anonymous')).status).toBe(409);
    expect((await fetch(`${gw.url}/openapi.json`)).status).toBe(200);
  });

  it('audits every change (who, what, old → new) under a new version', async () => {
    const v0 = gw.gateway.watcher.version;
    const put = await adm('PUT', '/admin/tiers/free', { name: 'free', limits: [{ window: 'day', limit: 7 }], upgradeHint: 'upgrade to pro' });
    expect(put.body.version).toBeGreaterThan(v0);
    const [entry] = (await adm('GET', '/admin/audit?limit=1')).body;
    expect(entry).toMatchObject({ actor: 'admin', entity: 'tier', entityId: 'free', action: 'update', version: put.body.version });
    expect(entry.old.limits).toEqual([{ window: 'day', limit: 5 }]);
    expect(entry.new.limits).toEqual([{ window: 'day', limit: 7 }]);
    // The stored key is a hash, never the key.
    const { rows } = await ctx.pg.query('SELECT key_hash FROM gw_api_keys');
    for (const r of rows) expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a per-key override replaces its tier limits; global shadow mode stops enforcing but counts', async () => {
    const { id, key } = (await adm('POST', '/admin/keys', { tenant: 'vip', tier: 'free' })).body;
    const v = (await adm('PUT', `/admin/keys/${id}/override`, { limits: [{ window: 'day', limit: 1 }] })).body.version;
    await poll(() => gw.gateway.watcher.version).toBeGreaterThanOrEqual(v);
    expect((await get('/search', key)).status).toBe(200);
    expect((await get('/search', key)).status).toBe(429);
    const v2 = (await adm('PUT', '/admin/settings', { shadow: true })).body.version;
    await poll(() => gw.gateway.watcher.version).toBeGreaterThanOrEqual(v2);
    const shadowed = await get('/search', key);
    expect(shadowed.status).toBe(200);
    expect(shadowed.headers.get('ratelimit')).toBeNull();
    await gw.gateway.analytics.flush();
    const minute = Math.floor(Date.now() / 60_000);
    const rates = await gw.gateway.analytics.aggregates(minute);
    expect(rates.some((a) => a.tier === 'free' && a.route === 'GET /search' && a.status === 200)).toBe(true);
    const v3 = (await adm('PUT', '/admin/settings', { shadow: false })).body.version;
    await poll(() => gw.gateway.watcher.version).toBeGreaterThanOrEqual(v3);
  });

  it('dry-run replays the last hour through the proposal: tightening a tier shows the denials it would add', async () => {
    await gw.gateway.analytics.flush();
    const r = await adm('POST', '/admin/dry-run', { tier: { name: 'pro', limits: [{ window: 'day', limit: 2 }] }, minutes: 60 });
    expect(r.status).toBe(200);
    expect(r.body.events).toBeGreaterThan(5);
    expect(r.body.proposed.byTier.pro.denied).toBeGreaterThan(r.body.current.byTier.pro.denied);
    expect(r.body.newlyDenied.length).toBeGreaterThan(0);
  });

  it('reports its policy version and Prometheus metrics', async () => {
    const inst = await adm('GET', '/admin/instances');
    expect(inst.body.self.version).toBe(gw.gateway.watcher.version);
    expect(inst.body.instances.map((i: { id: string }) => i.id)).toContain(gw.gateway.id);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_decisions_total\{tier="pro",outcome="allowed"\} \d+/);
    expect(metrics).toMatch(/gateway_policy_version \d+/);
  });
});
