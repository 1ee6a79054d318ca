// The outage drill (harness/drill.ts) on the chat server's HTTP routes: under load, a private Redis is
// frozen (SIGSTOP, then CLIENT PAUSE), killed and restarted. No hangs, no 5xx but 503 + Retry-After,
// every answer within 1 s, normal within 2 s of Redis returning.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDrill, runOutageDrill } from '../../../harness/drill';
import { expectDrillHeld } from '../../../harness/drill-expect';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { keyBuilder } from '../../../shared/keys';
import { TEST_SCRYPT } from '../../../shared/password';
import { createServingRedis, whenRedisReady } from '../../../shared/redis-client';
import { startChatServer, type RunningChatServer } from '../src/server';

let server: ManagedRedis;
let chat: RunningChatServer;
const clients: ReturnType<typeof createServingRedis>[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  clients.push(createServingRedis(server.url), createServingRedis(server.url));
  await Promise.all(clients.map((c) => whenRedisReady(c)));
  chat = await startChatServer({
    redis: clients[0]!,
    subscriber: clients[1]!,
    keys: keyBuilder({ lab: 'drill' }),
    passwordParams: TEST_SCRYPT,
    // The drill logs in hundreds of times from one address: limits that do not get in its way.
    loginLimits: { perAccount: 100_000, perClient: 100_000, windowSec: 60 },
    sweepEveryMs: false,
  });
});
afterAll(async () => {
  await chat?.close();
  for (const c of clients) c.disconnect();
  await server?.dispose();
});

const post = (path: string, body: unknown, signal: AbortSignal) =>
  fetch(`${chat.url}${path}`, { method: 'POST', signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('outage drill', () => {
  for (const freeze of ['sigstop', 'client-pause'] as const) {
    it(`${freeze}: /register, /login and /rooms never hang and recover`, async () => {
      let i = 0;
      const user = `drill-${freeze}`;
      // Register the user again on every call: the restart empties Redis, and a 409 is a normal answer.
      const r = await runOutageDrill({
        redis: server,
        freeze,
        freezeMs: 2000,
        downMs: 1000,
        afterMs: 2500,
        request: (signal) => {
          const n = i++ % 3;
          if (n === 0) return post('/register', { user, password: 'drill-password' }, signal);
          if (n === 1) return post('/login', { user, password: 'drill-password' }, signal);
          return fetch(`${chat.url}/rooms`, { signal });
        },
      });
      expectDrillHeld(r);
      expect(r.samples.some((s) => s.phase === 'frozen' && s.status === 503), describeDrill(r)).toBe(true);
      expect(r.samples.some((s) => s.phase === 'after' && s.status === 200), describeDrill(r)).toBe(true);
      expect(r.samples.some((s) => /timed out|ECONN|Connection is closed|internal/i.test(s.body)), describeDrill(r)).toBe(false);
    });
  }
});
