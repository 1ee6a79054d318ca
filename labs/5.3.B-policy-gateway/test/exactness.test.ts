// Two gateway processes on one Redis: 1,000 concurrent requests for one key with a quota of 100
// → exactly 100 reach the downstream; and a change made through one instance is enforced by the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import type { DownstreamProcess } from '../src/downstream';
import { startGatewayProcess, type GatewayProcess } from '../src/processes';
import { admin, downstreamsFor, seed, specFor, testConfig, poll } from './helpers';

let ctx: LabContext;
let ds: DownstreamProcess[];
let gws: GatewayProcess[];
beforeAll(async () => {
  ctx = await createTestContext('5.3.B', { serving: true });
  ds = await downstreamsFor(ctx, ['orders', 'search', 'payments']);
  await seed(ctx);
  // Wide Redis bounds and a patient downstream: this test is about exact decisions under a burst of
  // 1,000 on a shared two-core machine, where a starved event loop can miss a 250 ms bound and fail
  // open — correct behaviour, covered by outage.test.ts, but not what this test counts.
  const cfg = testConfig(ds, { pollMs: 1_000, limiterBoundMs: 8_000, breaker: { minVolume: 10_000, failureThreshold: 1, coolDownMs: 1_000, halfOpenProbes: 1 } });
  cfg.downstreams = cfg.downstreams.map((d) => ({ ...d, timeoutMs: 10_000 }));
  gws = await Promise.all([0, 1].map(() => startGatewayProcess({ ...specFor(ctx, cfg), commandTimeoutMs: 8_000 }, 'error')));
  ctx.onDispose(() => Promise.all(gws.map((g) => g.stop())));
}, 120_000); // three forked processes compile and start on a shared machine: a wait, not a claim
afterAll(() => ctx.dispose());

describe('two gateway processes', () => {
  it('1,000 concurrent requests for one key, quota 100: exactly 100 allowed, 900 refused with 429', async () => {
    const { key, version } = (await admin(gws[0]!.url)('POST', '/admin/keys', { tenant: 'race', tier: 'pro' })).body;
    // The key must be known to both before the race.
    for (const g of gws) await poll(async () => (await admin(g.url)('GET', '/admin/instances')).body.self.version).toBeGreaterThanOrEqual(version);
    const search = ds.find((d) => d.name === 'search')!;
    const before = (await search.stats()).requests;
    // pro: 100 a day.
    const statuses = await Promise.all(Array.from({ length: 1_000 }, (_, i) => fetch(`${gws[i % 2]!.url}/search`, { headers: { 'x-api-key': key } }).then((r) => r.status)));
    const counts: Record<number, number> = {};
    for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
    expect(counts).toEqual({ 200: 100, 429: 900 });
    expect((await search.stats()).requests - before).toBe(100);
  });

  it('a rule changed through one instance is enforced by the other', async () => {
    const adm = admin(gws[0]!.url);
    const { key } = (await adm('POST', '/admin/keys', { tenant: 'reload', tier: 'pro' })).body;
    const v = (await adm('PUT', '/admin/rules/pay', { id: 'pay', method: '*', route: '/payments', limits: [{ window: 'day', limit: 1 }] })).body.version;
    await poll(async () => (await admin(gws[1]!.url)('GET', '/admin/instances')).body.self.version).toBeGreaterThanOrEqual(v);
    expect((await fetch(`${gws[1]!.url}/payments`, { headers: { 'x-api-key': key } })).status).toBe(200);
    const second = await fetch(`${gws[1]!.url}/payments`, { headers: { 'x-api-key': key } });
    expect(second.status).toBe(429);
    expect(((await second.json()) as { policy: string }).policy).toBe('pay-day');
  });
});
