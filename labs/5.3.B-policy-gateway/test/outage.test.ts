// Redis killed under load (the shared drill): a fail-open tier keeps being served, a fail-closed tier
// answers 503 + Retry-After within the bound, nothing else 5xx, normal within 2 s of Redis's return.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { describeDrill, runOutageDrill } from '../../../harness/drill';
import { expectDrillHeld } from '../../../harness/drill-expect';
import { waitFor } from '../../../harness/ports';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import type { RunningInstance } from '../src/instance';
import { admin, downstreamsFor, seed, startTestGateway, testConfig } from './helpers';

let ctx: LabContext;
let redis: ManagedRedis;
let gw: RunningInstance;
let openKey: string;
beforeAll(async () => {
  ctx = await createTestContext('5.3.B', { serving: true });
  redis = await startRedisServer();
  ctx.onDispose(() => redis.dispose());
  const ds = await downstreamsFor(ctx);
  await seed(ctx, [
    { name: 'anonymous', limits: [{ window: 'day', limit: 1_000_000 }], failMode: 'closed', upgradeHint: '' },
    { name: 'free', limits: [{ window: 'day', limit: 1_000_000 }], failMode: 'open', upgradeHint: '' },
  ], []);
  gw = await startTestGateway(ctx, testConfig(ds), redis.url);
  const created = await admin(gw.url)('POST', '/admin/keys', { tenant: 'open', tier: 'free' });
  openKey = created.body.key;
  await waitFor(() => gw.gateway.watcher.version >= created.body.version, { what: 'the key to load' });
});
afterAll(() => ctx.dispose());

describe('Redis killed under load', () => {
  it('fail-open serves, fail-closed answers 503 + Retry-After within the bound, no other 5xx, normal again after', async () => {
    let n = 0;
    const r = await runOutageDrill({
      redis,
      // Alternate: a fail-open key and anonymous traffic (fail-closed).
      request: (signal) => fetch(`${gw.url}/search`, { signal, headers: n++ % 2 ? { 'x-api-key': openKey } : {} }),
      freezeMs: 1500,
      downMs: 800,
      afterMs: 2500,
    });
    expectDrillHeld(r);
    const refused = r.samples.filter((s) => s.status === 503);
    // Only the fail-closed policy refuses, and says why.
    expect(refused.length, describeDrill(r)).toBeGreaterThan(0);
    for (const s of refused) expect(s.body).toContain('limiter-unavailable');
    // The fail-open key kept being proxied while Redis was frozen and down.
    const servedDuring = r.samples.filter((s) => (s.phase === 'frozen' || s.phase === 'down') && s.status === 200 && s.body.includes('"service":"search"'));
    expect(servedDuring.length, describeDrill(r)).toBeGreaterThan(0);
  });
});
