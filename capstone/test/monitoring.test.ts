// Monitoring: /metrics names present and moving with traffic, the per-request cache trace gated by
// the admin key, the dashboard's data behind the admin key, and /health's status-code policy (the
// metadata breaker open, Redis down) — on a private redis-server this file can stop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../../harness/faults';
import { waitFor } from '../../harness/ports';
import { createServingRedis, whenRedisReady } from '../../shared/redis-client';
import { startCapstone, type Capstone } from './fixtures';

const ADMIN = 'test-admin-key';
let server: ManagedRedis;
let redis: ReturnType<typeof createServingRedis>;
let c: Capstone;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createServingRedis(server.url, { name: 'capstone-monitoring-test' });
  await whenRedisReady(redis);
  c = await startCapstone({
    redis,
    app: {
      limits: [
        { name: 'per-ip', by: ['ip'], capacity: 100_000, refillPerSec: 10_000 },
        { name: 'writes', by: ['user', 'endpoint'], endpoints: ['POST /reviews/:id/votes'], capacity: 1, refillPerSec: 0 },
      ],
    },
  });
});
afterAll(async () => {
  await c?.close();
  redis?.disconnect();
  await server?.dispose();
});

/** The value of the sample `name{…labels…}` in Prometheus text (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
const metrics = async () => (await fetch(`${c.http.url}/metrics`)).text();
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${c.http.url}${path}`, { headers });

describe('/metrics', () => {
  it('cache outcomes and hit ratio per resource, rate-limit decisions, breaker state and latency by route move with requests', async () => {
    const id = c.seed.popular[80]!;
    const before = await metrics();
    for (const name of ['capstone_cache_total', 'capstone_cache_hit_ratio', 'capstone_rate_limit_decisions_total', 'capstone_breaker_state', 'capstone_http_request_duration_seconds']) {
      expect(before).toContain(`# TYPE ${name} `);
    }
    expect(sample(before, 'capstone_breaker_state', { breaker: 'metadata', state: 'closed' })).toBe(1);
    expect(sample(before, 'capstone_breaker_state', { breaker: 'metadata', state: 'open' })).toBe(0);

    await get(`/books/${id}`);
    await get(`/books/${id}`);
    const token = await c.login(51);
    const reviewId = (await c.call('GET', `/books/${id}/reviews?limit=10`)).body.reviews[0].id;
    const votes = [];
    for (let i = 0; i < 2; i++) votes.push((await c.call('POST', `/reviews/${reviewId}/votes`, { token, body: { helpful: true } })).status);
    expect(votes).toEqual([200, 429]);

    const after = await metrics();
    const delta = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('capstone_cache_total', { resource: 'bookPage', outcome: 'MISS' })).toBe(1);
    expect(delta('capstone_cache_total', { resource: 'bookPage', outcome: 'HIT-L1' })).toBe(1);
    // Metadata is counted too: one outcome per page read, whichever it was.
    const metadataReads = ['HIT-L1', 'HIT', 'STALE', 'MISS'].reduce((n, outcome) => n + delta('capstone_cache_total', { resource: 'metadata', outcome }), 0);
    expect(metadataReads).toBe(2);
    const ratio = sample(after, 'capstone_cache_hit_ratio', { resource: 'bookPage' });
    expect(ratio).toBeGreaterThan(0);
    expect(ratio).toBeLessThan(1);
    expect(delta('capstone_rate_limit_decisions_total', { policy: 'per-ip', decision: 'allowed' })).toBeGreaterThanOrEqual(4);
    expect(delta('capstone_rate_limit_decisions_total', { policy: 'writes', decision: 'allowed' })).toBe(1);
    expect(delta('capstone_rate_limit_decisions_total', { policy: 'writes', decision: 'denied' })).toBe(1);
    expect(delta('capstone_http_request_duration_seconds_count', { method: 'GET', route: '/books/:id', status: '200' })).toBe(2);
    expect(delta('capstone_http_request_duration_seconds_count', { method: 'POST', route: '/reviews/:id/votes', status: '429' })).toBe(1);
  });
});

describe('cache trace', () => {
  it('with the admin key and X-Cache-Trace: 1, the response lists the cache decisions it caused', async () => {
    const id = c.seed.popular[81]!;
    const traced = { 'x-admin-key': ADMIN, 'x-cache-trace': '1' };
    const first = await get(`/books/${id}`, traced);
    expect(first.status).toBe(200);
    const trace = JSON.parse(first.headers.get('x-cache-trace') ?? 'null');
    expect(trace).toEqual(expect.arrayContaining([
      expect.objectContaining({ resource: 'bookPage', key: c.service.keys.bookPage(id), outcome: 'MISS', from: 'postgres' }),
      // From the service, or a fallback when its call ran past the breaker's timeout on a busy machine.
      expect.objectContaining({ resource: 'metadata', key: c.service.keys.metadata(id) }),
    ]));
    for (const e of trace) expect(typeof e.ms).toBe('number');
    const second = JSON.parse((await get(`/books/${id}`, traced)).headers.get('x-cache-trace') ?? 'null');
    expect(second).toEqual(expect.arrayContaining([expect.objectContaining({ resource: 'bookPage', outcome: 'HIT-L1', from: 'l1' })]));
  });

  it('is never given without the right admin key, nor without asking', async () => {
    const id = c.seed.popular[82]!;
    const attempts: Array<Record<string, string>> = [{ 'x-cache-trace': '1' }, { 'x-cache-trace': '1', 'x-admin-key': 'x'.repeat(ADMIN.length) }, { 'x-cache-trace': '1', 'x-admin-key': `${ADMIN}!` }, { 'x-admin-key': ADMIN }];
    for (const headers of attempts) {
      const r = await get(`/books/${id}`, headers);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-cache-trace')).toBeNull();
    }
  });
});

describe('dashboard', () => {
  it('the page is public, its data needs the admin key and shows hit ratios, rate-limit decisions and breakers', async () => {
    const page = await get('/dashboard');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/dashboard/app.js');
    expect((await get('/dashboard/data')).status).toBe(403);
    const data = (await (await get('/dashboard/data', { 'x-admin-key': ADMIN })).json()) as any;
    expect(data.hitRatio.bookPage.total).toBeGreaterThan(0);
    expect(data.rateLimits['per-ip'].allowed).toBeGreaterThan(0);
    expect(data.breakers).toEqual([{ name: 'metadata', state: 'closed' }]);
    expect(data.l1Invalidation).toBe('subscribed');
  });
});

describe('/health', () => {
  it('200 ok when all is up; 200 degraded naming the metadata breaker when it is open', async () => {
    const ok = await c.call('GET', '/health');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok', redis: 'up', postgres: 'up', breaker: 'closed', degraded: [] });
    await c.service.breaker.forceOpen('health test');
    try {
      const h = await c.call('GET', '/health');
      expect(h.status).toBe(200);
      expect(h.body.status).toBe('degraded');
      expect(h.body.degraded.join(' ')).toMatch(/^metadata: breaker open/);
      expect(sample(await metrics(), 'capstone_breaker_state', { breaker: 'metadata', state: 'open' })).toBe(1);
    } finally {
      await c.service.breaker.reset('health test over');
    }
  });

  it('200 degraded naming Redis while it is down (reads still answer); ok again once it is back', async () => {
    await server.stop();
    try {
      const h = await c.call('GET', '/health');
      expect(h.status).toBe(200);
      expect(h.body.status).toBe('degraded');
      expect(h.body.redis).toBe('down');
      expect(h.body.degraded.some((d: string) => d.startsWith('redis:'))).toBe(true);
    } finally {
      await server.start();
    }
    await waitFor(async () => (await c.call('GET', '/health')).body.status === 'ok', { what: 'health ok again' });
  });
});
