// The drill itself, on the smallest service that follows the rules: a route that counts in Redis
// through the shared serving client and the shared error handler.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, finishApp, listen, type Listening } from '../../shared/http';
import { createServingRedis, whenRedisReady } from '../../shared/redis-client';
import { describeDrill, runOutageDrill } from '../drill';
import { expectDrillHeld } from '../drill-expect';
import { startRedisServer, type ManagedRedis } from '../faults';

let server: ManagedRedis;
let http: Listening;
let redis: ReturnType<typeof createServingRedis>;

beforeAll(async () => {
  server = await startRedisServer();
  redis = createServingRedis(server.url);
  await whenRedisReady(redis);
  const app = createApp({ name: 'drill', metrics: false });
  app.get('/count', async (_req, res) => {
    res.json({ n: await redis.incr('n') });
  });
  http = await listen(finishApp(app));
});
afterAll(async () => {
  await http?.close();
  redis?.disconnect();
  await server?.dispose();
});

describe('outage drill', () => {
  it('a route on the serving client never hangs, answers 503 + Retry-After while Redis is out, and recovers', async () => {
    const r = await runOutageDrill({ redis: server, request: (signal) => fetch(`${http.url}/count`, { signal }), freezeMs: 1500, downMs: 800, afterMs: 2500 });
    expectDrillHeld(r);
    const phases = new Set(r.samples.filter((s) => s.status === 503).map((s) => s.phase));
    expect(phases.has('frozen') && phases.has('down'), describeDrill(r)).toBe(true);
    expect(r.samples.some((s) => s.phase === 'after' && s.status === 200)).toBe(true);
  });

  it('CLIENT PAUSE freezes the server as well', async () => {
    const r = await runOutageDrill({ redis: server, freeze: 'client-pause', request: (signal) => fetch(`${http.url}/count`, { signal }), freezeMs: 1200, downMs: 500, afterMs: 2200 });
    expect(r.hangs, describeDrill(r)).toEqual([]);
    expect(r.unexpected, describeDrill(r)).toEqual([]);
    expect(r.samples.some((s) => s.phase === 'frozen' && s.status === 503)).toBe(true);
  });
});
