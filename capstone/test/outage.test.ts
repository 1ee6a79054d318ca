// Redis stalled or down: reads are served from Postgres (X-Cache: BYPASS), leaderboards computed by
// Postgres, writes answer 503 + Retry-After (sessions fail closed) — never a 500, never a hang.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDrill, runOutageDrill } from '../../harness/drill';
import { expectDrillHeld } from '../../harness/drill-expect';
import { startRedisServer, type ManagedRedis } from '../../harness/faults';
import { waitFor } from '../../harness/ports';
import { createServingRedis, whenRedisReady } from '../../shared/redis-client';
import { startCapstone, type Capstone } from './fixtures';

let server: ManagedRedis;
let redis: ReturnType<typeof createServingRedis>;
let c: Capstone;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createServingRedis(server.url, { name: 'capstone-outage-test' });
  await whenRedisReady(redis);
  c = await startCapstone({ redis, app: { limits: [{ name: 'per-ip', by: ['ip'], capacity: 100_000, refillPerSec: 10_000 }] } });
});
afterAll(async () => {
  await c?.close();
  redis?.disconnect();
  await server?.dispose();
});

describe('Redis outage', () => {
  it('book pages keep answering 200 through a freeze, a kill and a restart, each within 1 s', async () => {
    const ids = c.seed.popular.slice(0, 20);
    let n = 0;
    const r = await runOutageDrill({
      redis: server,
      request: (signal) => fetch(`${c.http.url}/books/${ids[n++ % ids.length]}`, { signal }),
      freezeMs: 1500,
      downMs: 800,
      afterMs: 2500,
    });
    expectDrillHeld(r);
    // Reads never even 503: the fallback is Postgres.
    expect(r.samples.filter((s) => s.status !== 200), describeDrill(r)).toEqual([]);
  });

  it('while Redis is down: reads BYPASS to Postgres, boards come from Postgres, writes are 503 + Retry-After', async () => {
    const token = await c.login(21);
    await server.stop();
    try {
      // A book no test read before (a page still in this process's L1 would be a HIT-L1).
      const page = await c.call('GET', `/books/${c.seed.popular[150]}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('x-cache')).toBe('BYPASS');
      // Browse/search and the profiles fall back the same way.
      for (const path of ['/books?q=river&sort=title', '/users/5', '/users/5/reviews', '/authors/3']) {
        const r = await c.call('GET', path);
        expect([path, r.status, r.headers.get('x-cache')]).toEqual([path, 200, 'BYPASS']);
      }
      const board = await c.call('GET', '/leaderboards/top-rated?limit=10');
      expect(board.status).toBe(200);
      expect(board.body.source).toBe('postgres');
      const write = await c.call('POST', `/books/${c.seed.popular[0]}/reviews`, { token, body: { rating: 4, body: 'during the outage' } });
      expect(write.status).toBe(503);
      expect(write.headers.get('retry-after')).toBe('1');
      const health = await c.call('GET', '/health');
      expect(health.body.redis).toBe('down');
      expect(health.body.degraded.length).toBeGreaterThan(0);
    } finally {
      await server.start();
    }
    await waitFor(async () => (await c.call('GET', `/books/${c.seed.popular[1]}`)).headers.get('x-cache') !== 'BYPASS', { what: 'the cache to be used again' });
  });
});
