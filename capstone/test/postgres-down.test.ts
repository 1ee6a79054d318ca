// Postgres unreachable (the service's pool goes through a proxy that is then closed): cached reads are
// still served, uncached reads and writes answer 503 + Retry-After, /health says so — nothing 500s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLatencyProxy, type LatencyProxy } from '../../harness/proxy';
import { startCapstone, type Capstone } from './fixtures';

let proxy: LatencyProxy;
let c: Capstone;

beforeAll(async () => {
  c = await startCapstone({
    app: { limits: false },
    pool: (ctx) => {
      const url = new URL(ctx.services.postgres.url);
      // `before` (below) has started the proxy by now.
      return ctx.newPool({ connectionString: proxy.rewrite(url.toString()), connectionTimeoutMillis: 500 });
    },
    before: async (ctx) => {
      const url = new URL(ctx.services.postgres.url);
      proxy = await startLatencyProxy({ targetHost: url.hostname, targetPort: Number(url.port || 5432), delayMs: 0 });
    },
  });
});
afterAll(async () => {
  await c?.close();
  await proxy?.close().catch(() => {});
});

describe('Postgres down', () => {
  it('cached book pages are still served; misses and writes answer 503 + Retry-After', async () => {
    const [cached, uncached] = [c.seed.popular[0]!, c.seed.popular[1]!];
    expect((await c.call('GET', `/books/${cached}`)).status).toBe(200);
    const token = await c.login(5);
    c.service.cache.forgetLocal([c.service.keys.bookPage(cached)]);
    await proxy.close();

    const hit = await c.call('GET', `/books/${cached}`);
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    const miss = await c.call('GET', `/books/${uncached}`);
    expect(miss.status).toBe(503);
    expect(miss.headers.get('retry-after')).toBe('1');
    expect(miss.body.error.code).toBe('service_unavailable');
    // Named for what is down: the database, not Redis.
    expect(miss.body.error.message).toMatch(/database/);
    const write = await c.call('POST', `/books/${uncached}/reviews`, { token, body: { rating: 3, body: 'while the database is away' } });
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toBe('1');
    const health = await c.call('GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.postgres).toBe('down');
  });
});
