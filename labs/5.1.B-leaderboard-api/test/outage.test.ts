// Redis frozen (SIGSTOP, CLIENT PAUSE) or gone, on the serving client (issue 12): pages, submits, stats
// and the event stream answer 503 + Retry-After within 1 s without driver text, each deliberate 503 is
// one warn line without a stack (never ERROR), and the API is normal within 2 s of Redis returning.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { describeDrill, runOutageDrill } from '../../../harness/drill';
import { expectDrillHeld } from '../../../harness/drill-expect';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { listen, type Listening } from '../../../shared/http';
import { keyBuilder } from '../../../shared/keys';
import { createServingRedis, whenRedisReady } from '../../../shared/redis-client';
import { createLeaderboardApp } from '../src/app';
import { AUTH } from './helpers';

let ctx: LabContext;
let server: ManagedRedis;
let http: Listening;
let lb: Awaited<ReturnType<typeof createLeaderboardApp>>;
const clients: ReturnType<typeof createServingRedis>[] = [];
const lines: Array<{ level: number; msg: string; err?: unknown; stack?: unknown }> = [];

beforeAll(async () => {
  ctx = await createTestContext('5.1.B', { serving: true });
  server = await startRedisServer();
  clients.push(createServingRedis(server.url), createServingRedis(server.url));
  await Promise.all(clients.map((c) => whenRedisReady(c)));
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  lb = await createLeaderboardApp({ redis: clients[0]!, subscriber: clients[1]!, pg: ctx.pg, keys: keyBuilder({ lab: 'outage' }), auth: AUTH, log: pino({ level: 'info' }, sink) });
  http = await listen(lb.app);
  await fetch(`${http.url}/games/g/scores`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ player: 'ada', score: 10 }) });
});
afterAll(async () => {
  server?.resume();
  await http?.close();
  await lb?.close();
  for (const c of clients) c.disconnect();
  await server?.dispose();
  await ctx?.dispose();
});

// Routes that use no exercise code (they pass on the starter too); pages and submits are in the drill.
const calls: Array<[string, RequestInit?]> = [['/games/g/players/ada'], ['/games/g/players/ada/history'], ['/games/g/boards/daily/events']];
const normal = async () => (await fetch(`${http.url}/games/g/players/ada`)).status < 500;

async function expectOutage(label: string) {
  lines.length = 0;
  for (const [path, init] of calls) {
    const started = performance.now();
    const res = await fetch(`${http.url}${path}`, init);
    const ms = performance.now() - started;
    const text = await res.text();
    expect({ label, path, status: res.status, retryAfter: res.headers.get('retry-after') }, text).toEqual({ label, path, status: 503, retryAfter: '1' });
    expect(ms, `${label} ${path}`).toBeLessThan(1000);
    expect(text).not.toMatch(/timed out|ECONN|Connection is closed|Stream isn't/i);
  }
  // One warn line per deliberate 503, no stack, nothing at error level.
  expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  expect(lines.filter((l) => l.level === 40)).toHaveLength(calls.length);
  expect(lines.some((l) => JSON.stringify(l).includes('    at '))).toBe(false);
}

// Every route here names the current period (exercise 1): graded with it.
describe('exercise 1: period names', () => {
  describe('store frozen or gone', () => {
    it('SIGSTOP', async () => {
      server.pause();
      try {
        await expectOutage('frozen');
      } finally {
        server.resume();
      }
      await expect.poll(normal, { timeout: 2000 }).toBe(true);
    });

    it('CLIENT PAUSE', async () => {
      await server.clientPause(3000); // longer than the calls take
      await expectOutage('client-pause');
      await expect.poll(normal, { timeout: 5000 }).toBe(true);
    });

    it('stopped, and back', async () => {
      await server.stop();
      try {
        await expectOutage('stopped');
      } finally {
        await server.start();
      }
      await expect.poll(normal, { timeout: 2000 }).toBe(true);
    });
  });
});

// Submits need exercise 2: graded with it.
describe('exercise 2: atomic submit', () => {
  it('outage drill on submits and player stats: no hangs, no 5xx but 503 + Retry-After, normal within 2 s', async () => {
    for (const freeze of ['sigstop', 'client-pause'] as const) {
      let i = 0;
      const r = await runOutageDrill({
        redis: server,
        freeze,
        freezeMs: 2000,
        downMs: 1000,
        afterMs: 2500,
        request: (signal) => {
          const n = i++;
          if (n % 2) return fetch(`${http.url}/games/g/players/p${n % 50}`, { signal });
          return fetch(`${http.url}/games/g/scores`, { signal, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ player: `p${n % 50}`, score: n }) });
        },
      });
      expectDrillHeld(r);
      expect(r.samples.some((s) => s.phase === 'frozen' && s.status === 503), describeDrill(r)).toBe(true);
      expect(r.samples.some((s) => s.phase === 'after' && s.status < 300), describeDrill(r)).toBe(true);
    }
  }, 40_000);
});
