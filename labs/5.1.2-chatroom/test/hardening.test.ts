// Abuse and outages (issues 12 and 13): whole passwords and attempt limits, outages answered 503 (HTTP,
// WebSocket upgrade and error frames) without driver text, a slow reader's send queue bounded, other
// users' control characters neutralised in the terminal, and presence expiry of 20,000 members.
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { keyBuilder } from '../../../shared/keys';
import { TEST_SCRYPT } from '../../../shared/password';
import { createServingRedis, whenRedisReady } from '../../../shared/redis-client';
import { formatFrame } from '../terminal';
import { ChatClient, login, loginOrRegister } from '../src/client';
import { createPresence } from '../src/presence';
import { startChatServer, type ChatServerOptions, type RunningChatServer } from '../src/server';

let ctx: LabContext;
beforeAll(async () => {
  ctx = await createTestContext('5.1.2', { services: ['redis'], serving: true });
});
afterAll(() => ctx.dispose());

/** Serving clients queue nothing while connecting: wait for them before the server's first command. */
const ready = async () => {
  const [redis, subscriber] = [ctx.newRedis(), ctx.newRedis()];
  await Promise.all([whenRedisReady(redis), whenRedisReady(subscriber)]);
  return { redis, subscriber };
};
const start = async (opts: Partial<ChatServerOptions> = {}) =>
  startChatServer({ ...(await ready()), keys: ctx.keys, rooms: ['general', 'flood'], passwordParams: TEST_SCRYPT, sweepEveryMs: false, ...opts });

const post = async (url: string, path: string, body: unknown) => {
  const started = performance.now();
  const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text(), ms: performance.now() - started };
};
let n = 0;
const name = () => `h${++n}${Math.random().toString(36).slice(2, 8)}`;

describe('auth', () => {
  let chat: RunningChatServer;
  beforeAll(async () => {
    chat = await start({ loginLimits: { perAccount: 3, perClient: 1000, windowSec: 60 } });
  });
  afterAll(() => chat.close());

  it('reads the whole password: 200-character passwords sharing 72 bytes differ', async () => {
    const user = name();
    const head = 'q'.repeat(72);
    expect((await post(chat.url, '/register', { user, password: `${head}${'a'.repeat(128)}` })).status).toBe(201);
    expect((await post(chat.url, '/login', { user, password: `${head}${'b'.repeat(128)}` })).status).toBe(401);
    expect((await post(chat.url, '/login', { user, password: `${head}${'a'.repeat(128)}` })).status).toBe(200);
  });

  it('a stored bcrypt hash logs in and is replaced by a scrypt hash', async () => {
    const user = name();
    await ctx.redis.hset(ctx.keys.key('users'), user, await bcrypt.hash('legacy password', 4));
    expect((await login(chat.url, user, 'legacy password')).user).toBe(user);
    expect(await ctx.redis.hget(ctx.keys.key('users'), user)).toMatch(/^\$scrypt\$/);
  });

  it('over the per-account limit: 429 with Retry-After', async () => {
    const user = name();
    await loginOrRegister(chat.url, user, 'right password');
    for (let i = 0; i < 3; i++) expect((await post(chat.url, '/login', { user, password: 'wrong password' })).status).toBe(401);
    const res = await post(chat.url, '/login', { user, password: 'right password' });
    expect({ status: res.status, code: JSON.parse(res.text).error.code }).toEqual({ status: 429, code: 'too_many_login_attempts' });
    expect(Number(res.retryAfter)).toBeGreaterThan(0);
  });
});

describe('outages', () => {
  let server: ManagedRedis;
  let chat: RunningChatServer;
  let token: string;
  let client: ChatClient;
  beforeAll(async () => {
    server = await startRedisServer();
    const [redis, sub] = [createServingRedis(server.url), createServingRedis(server.url)];
    await Promise.all([whenRedisReady(redis), whenRedisReady(sub)]);
    chat = await start({ redis, subscriber: sub, keys: keyBuilder({ lab: 'stall' }) });
    token = await loginOrRegister(chat.url, 'ada', 'ada-password');
    client = await ChatClient.connect(chat.url, token);
  });
  afterAll(async () => {
    server?.resume();
    await client?.close();
    await chat?.close();
    await server?.dispose();
  });

  const expect503 = (r: Awaited<ReturnType<typeof post>>, what: string) => {
    expect({ what, status: r.status, retryAfter: r.retryAfter }, r.text).toEqual({ what, status: 503, retryAfter: '1' });
    expect(r.ms, what).toBeLessThan(1000);
    expect(r.text).not.toMatch(/timed out|ECONN|Connection is closed|Stream isn't|internal/i);
  };

  for (const how of ['sigstop', 'client-pause'] as const) {
    it(`${how}: /login and /register answer 503 + Retry-After within 1 s`, async () => {
      if (how === 'sigstop') server.pause();
      else await server.clientPause(2000);
      try {
        expect503(await post(chat.url, '/login', { user: 'ada', password: 'ada-password' }), 'login');
        expect503(await post(chat.url, '/register', { user: name(), password: 'some password' }), 'register');
      } finally {
        server.resume();
      }
      await expect.poll(async () => (await post(chat.url, '/login', { user: 'ada', password: 'ada-password' })).status, { timeout: 4000 }).toBe(200);
    });
  }

  it('stopped: a valid token gets 503 at the WebSocket upgrade, not 401', async () => {
    await server.stop();
    try {
      const err = await ChatClient.connect(chat.url, token).catch((e: unknown) => e);
      expect(err).toMatchObject({ status: 503 });
      expect503(await post(chat.url, '/register', { user: name(), password: 'some password' }), 'register while stopped');
    } finally {
      await server.start();
    }
  });
});

describe('exercise 1: pub/sub bridge', () => {
  it('a join while Redis is frozen (SIGSTOP, CLIENT PAUSE) gets a service_unavailable error frame, no driver text', async () => {
    const server = await startRedisServer();
    const [redis, sub] = [createServingRedis(server.url), createServingRedis(server.url)];
    await Promise.all([whenRedisReady(redis), whenRedisReady(sub)]);
    const chat = await start({ redis, subscriber: sub, keys: keyBuilder({ lab: 'frame' }) });
    const client = await ChatClient.connect(chat.url, await loginOrRegister(chat.url, 'bo', 'bo-password'));
    try {
      for (const freeze of [() => server.pause(), () => server.clientPause(2000)]) {
        await freeze();
        client.send({ type: 'join', room: 'general' });
        const err = await client.next('error', () => true, 2000);
        server.resume();
        expect(err.code).toBe('service_unavailable');
        expect(err.message).not.toMatch(/timed out|ECONN|Connection is closed|Stream isn't/i);
      }
    } finally {
      server.resume();
      await client.close();
      await chat.close();
      redis.disconnect();
      sub.disconnect();
      await server.dispose();
    }
  });
});

describe('exercise 3: presence', () => {
  it("a reader that stops reading is closed with 1008 once its send queue passes the bound; the server's queue stays bounded", async () => {
    const chat = await start({ maxBufferedBytes: 256 * 1024 });
    try {
      const slow = await ChatClient.connect(chat.url, await loginOrRegister(chat.url, name(), 'slow-password'));
      await slow.join('flood');
      const closed = new Promise<number>((resolve) => slow.ws.once('close', (code) => resolve(code)));
      const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      // 20 MB of room events straight onto the channel (more than loopback buffers can hide).
      const channel = ctx.keys.key('room', 'flood');
      const big = JSON.stringify({ type: 'message', id: 'x', room: 'flood', user: 'flooder', text: 'x'.repeat(100_000), ts: 1 });
      for (let i = 0; i < 200; i++) await ctx.redis.publish(channel, big);
      await expect.poll(() => chat.chat.closedSlow(), { timeout: 10_000 }).toBe(1);
      socket.resume();
      expect(await closed).toBe(1008);
    } finally {
      await chat.close();
    }
  });

  it('presence expiry handles 20,000 expired members in one room, and the next sweep still works', async () => {
    const presence = createPresence(ctx.redis, ctx.keys.forLab('bulk'), { ttlMs: 1000, now: () => 10_000 });
    const key = ctx.keys.forLab('bulk').key('presence', 'big');
    for (let i = 0; i < 20_000; i += 5000) {
      await ctx.redis.zadd(key, ...Array.from({ length: 5000 }, (_, j) => [1, `u${i + j}`]).flat());
    }
    expect((await presence.expire('big')).length).toBe(20_000);
    expect(await ctx.redis.zcard(key)).toBe(0);
    await presence.heartbeat('big', 'late');
    expect(await presence.expire('big')).toEqual([]);
  });
});

describe('terminal client', () => {
  it("prints other users' control characters as visible text, never raw (escape sequences, CR, bidi)", () => {
    const line = formatFrame({ type: 'message', id: '1', room: 'general', user: 'eve\x1b[31m', text: 'hi\r\x1b[2J\x1b]0;owned\x07 \u202Eevil\u0085', ts: 0 }, 'ada');
    expect(line).toBeDefined();
    // Colours are the client's own (picocolors); the user's bytes carry no ESC, CR, BEL, C1 or bidi.
    const userPart = line!.replace(/\x1b\[[0-9;]*m/g, '');
    expect(userPart).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(userPart).toContain('hi');
    expect(userPart).toContain('evil');
  });

  it('a WebSocket with the token in the query still works (browsers)', async () => {
    const chat = await start();
    try {
      const token = await loginOrRegister(chat.url, name(), 'query-password');
      const ws = new WebSocket(`${chat.url.replace('http', 'ws')}/ws?token=${token}`);
      const first = await new Promise<string>((resolve, reject) => {
        ws.once('message', (d) => resolve(d.toString()));
        ws.once('error', reject);
      });
      expect(JSON.parse(first).type).toBe('welcome');
      ws.close();
    } finally {
      await chat.close();
    }
  });
});
