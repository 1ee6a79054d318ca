import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { AppError } from '../../../shared/errors';
import { mastersOf } from '../../../shared/redis-scan';
import { TEST_SCRYPT } from '../../../shared/password';
import { createRoomBridge } from '../src/bridge';
import { ChatClient, login, loginOrRegister, register } from '../src/client';
import { createRoomHistory } from '../src/history';
import { createPresence } from '../src/presence';
import { MAX_TEXT_LENGTH, type ChatMessage, type RoomEvent } from '../src/protocol';
import { startChatServer, type RunningChatServer } from '../src/server';

let ctx: LabContext;
let A: RunningChatServer;
let B: RunningChatServer;
/** One fake clock for both servers: presence expiry is tested by moving it, never by sleeping. */
let clock = 1_700_000_000_000;
const TTL = 30_000;
const clients: ChatClient[] = [];

/** Two servers on one Redis, each with its own connections, as two processes would have. */
const serverOn = (rooms: string[]) =>
  startChatServer({ redis: ctx.newRedis(), subscriber: ctx.newRedis(), keys: ctx.keys, rooms, passwordParams: TEST_SCRYPT, presenceTtlMs: TTL, sweepEveryMs: false, now: () => clock, historySize: 5 });

beforeAll(async () => {
  ctx = await createTestContext('5.1.2', { services: ['redis'] });
  const rooms = ['general', 'random', 'history', 'presence', 'expiry', 'leaving'];
  [A, B] = await Promise.all([serverOn(rooms), serverOn(rooms)]);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([A?.close(), B?.close(), stopChild()]);
  await ctx?.dispose();
});

/** A third server, in its own process (same Redis, same key prefix). */
let child: ChildProcess | undefined;
function startChild(rooms: string[]): Promise<string> {
  child = fork(fileURLToPath(new URL('./fixtures/server-process.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CHAT_PREFIX: ctx.prefix, CHAT_ROOMS: rooms.join(',') },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child!.once('message', (m) => resolve((m as { url: string }).url));
    child!.once('exit', (code) => reject(new Error(`chat server process exited (${code}) before listening`)));
  });
}
function stopChild(): Promise<void> {
  const c = child;
  if (!c || c.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    c.once('exit', () => resolve());
    c.send('stop');
  });
}

let n = 0;
/** A fresh user, registered and connected to `server`. */
async function userOn(server: RunningChatServer, name = 'user'): Promise<ChatClient> {
  const user = `${name}${++n}`;
  const token = await loginOrRegister(server.url, user, `${user}-password`);
  const client = await ChatClient.connect(server.url, token);
  clients.push(client);
  return client;
}

// Redis's own behaviour the bridge relies on (no exercise code): which node publishes does not matter.
describe('pub/sub on Redis Cluster', () => {
  it('a PUBLISH taken by one master reaches a subscriber connected to another (every node on a cluster)', async () => {
    // On a cluster, classic pub/sub is cluster-wide: the node that takes a PUBLISH forwards it to every
    // other node over the cluster bus. So any server may publish, on any node, and one SUBSCRIBE
    // connection per process (to whichever node) hears every room. On one server both ends are it.
    const masters = mastersOf(ctx.redis);
    const addr = (i: number) => `redis://${masters[i]!.options.host}:${masters[i]!.options.port}`;
    const sub = ctx.newRedisAt(addr(0));
    const pub = ctx.newRedisAt(addr(masters.length - 1));
    const channel = ctx.keys.key('room', 'across-nodes');
    const got: string[] = [];
    sub.on('message', (_c, m) => got.push(m));
    await sub.subscribe(channel);
    await pub.publish(channel, 'over the bus');
    await expect.poll(() => got).toEqual(['over the bus']);
  });
});

describe('exercise 1: pub/sub bridge', () => {
  it('delivers what one bridge publishes to another bridge on its own connection', async () => {
    const a = createRoomBridge(ctx.newRedis(), ctx.newRedis(), ctx.keys);
    const b = createRoomBridge(ctx.newRedis(), ctx.newRedis(), ctx.keys);
    const got: RoomEvent[] = [];
    const stop = await b.subscribe('lobby', (e) => got.push(e));
    const event: RoomEvent = { type: 'join', room: 'lobby', user: 'ada', ts: 1 };
    const receivers = await a.publish('lobby', event);
    // PUBLISH counts the subscribers of the node that took it: all of them on one server; on a cluster
    // b's subscriber may sit on another node, which the message still reaches over the cluster bus.
    if (ctx.redis instanceof Cluster) expect(receivers).toBeLessThanOrEqual(1);
    else expect(receivers).toBe(1);
    await expect.poll(() => got).toEqual([event]);
    await stop();
    await Promise.all([a.close(), b.close()]);
  });

  it('holds one SUBSCRIBE per room however many listeners, and UNSUBSCRIBEs after the last', async () => {
    const sub = ctx.newRedis();
    const bridge = createRoomBridge(ctx.newRedis(), sub, ctx.keys);
    const channel = ctx.keys.key('room', 'counted');
    // PUBSUB NUMSUB answers for one node: on a cluster, add up every node (the subscriber may be on a replica).
    const nodes = ctx.redis instanceof Cluster ? ctx.redis.nodes('all') : [ctx.redis];
    const numsub = async () => {
      const counts = await Promise.all(nodes.map(async (n) => Number(((await n.pubsub('NUMSUB', channel)) as [string, number])[1])));
      return counts.reduce((a, b) => a + b, 0);
    };
    const first = await bridge.subscribe('counted', () => {});
    const second = await bridge.subscribe('counted', () => {});
    expect(await numsub()).toBe(1);
    expect(bridge.rooms()).toEqual(['counted']);
    await first();
    expect(await numsub()).toBe(1);
    await second();
    expect(await numsub()).toBe(0);
    expect(bridge.rooms()).toEqual([]);
    await bridge.close();
  });

  it('a message sent through server A reaches a client on server B', async () => {
    const alice = await userOn(A, 'alice');
    const bob = await userOn(B, 'bob');
    await alice.join('general');
    await bob.join('general');
    alice.say('general', 'hello from A');
    const heard = await bob.heard('general', alice.user, 'hello from A');
    expect(heard).toMatchObject({ type: 'message', room: 'general', user: alice.user });
    // and the other way round, and the sender hears its own message through Redis too
    bob.say('general', 'hi back from B');
    await alice.heard('general', bob.user, 'hi back from B');
    await bob.heard('general', bob.user, 'hi back from B');
  });

  it('a server in another process shares the room too', async () => {
    const url = await startChild(['general']);
    const token = await loginOrRegister(url, 'remote1', 'remote1-password');
    const remote = await ChatClient.connect(url, token);
    clients.push(remote);
    const local = await userOn(A, 'local');
    await remote.join('general');
    await local.join('general');
    local.say('general', 'to the other process');
    await remote.heard('general', local.user, 'to the other process');
    remote.say('general', 'and back');
    await local.heard('general', remote.user, 'and back');
  });

  it('keeps rooms apart: a message in one room does not reach another', async () => {
    const carol = await userOn(A, 'carol');
    const dave = await userOn(B, 'dave');
    await carol.join('random');
    await dave.join('general');
    await dave.join('random');
    carol.say('random', 'only in random');
    const heard = await dave.next('message', (m) => m.user === carol.user);
    expect(heard.room).toBe('random');
  });
});

describe('exercise 2: history', () => {
  it('keeps only the newest N in a capped list, returned oldest first', async () => {
    const history = createRoomHistory(ctx.redis, ctx.keys, 3);
    const msg = (i: number): ChatMessage => ({ type: 'message', id: `m${i}`, room: 'capped', user: 'ada', text: `#${i}`, ts: i });
    for (let i = 1; i <= 5; i++) await history.push('capped', msg(i));
    expect(await ctx.redis.llen(ctx.keys.key('history', 'capped'))).toBe(3);
    expect((await history.recent('capped')).map((m) => m.text)).toEqual(['#3', '#4', '#5']);
    expect((await history.recent('capped', 2)).map((m) => m.text)).toEqual(['#4', '#5']);
    expect(await history.recent('empty-room')).toEqual([]);
  });

  it('a joining user receives the last messages of the room, in order', async () => {
    const erin = await userOn(A, 'erin');
    await erin.join('history');
    for (let i = 1; i <= 7; i++) erin.say('history', `line ${i}`);
    await erin.heard('history', erin.user, 'line 7');
    const frank = await userOn(B, 'frank');
    const joined = await frank.join('history');
    // historySize is 5: lines 3-7, oldest first
    expect(joined.history.map((m) => m.text)).toEqual(['line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    expect(joined.history.every((m) => m.user === erin.user)).toBe(true);
  });
});

describe('exercise 3: presence', () => {
  it('a heartbeat marks a user online, and says whether they are new', async () => {
    const presence = createPresence(ctx.redis, ctx.keys, { ttlMs: TTL, now: () => clock });
    expect(await presence.heartbeat('p-unit', 'ada')).toBe(true);
    expect(await presence.heartbeat('p-unit', 'ada')).toBe(false);
    expect(await presence.heartbeat('p-unit', 'bob')).toBe(true);
    expect(await presence.online('p-unit')).toEqual(['ada', 'bob']);
    expect(await presence.remove('p-unit', 'bob')).toBe(true);
    expect(await presence.remove('p-unit', 'bob')).toBe(false);
    expect(await presence.online('p-unit')).toEqual(['ada']);
  });

  it('expires a user whose heartbeats stop, and hands each expired user to exactly one sweeper', async () => {
    let t = 1_000_000;
    const presence = createPresence(ctx.redis, ctx.keys, { ttlMs: 10_000, now: () => t });
    await presence.heartbeat('p-exp', 'quiet');
    await presence.heartbeat('p-exp', 'chatty');
    t += 6_000;
    await presence.heartbeat('p-exp', 'chatty');
    expect(await presence.expire('p-exp')).toEqual([]);
    t += 4_000; // quiet's last heartbeat is now exactly 10 s old
    expect(await presence.online('p-exp')).toEqual(['chatty']);
    const [first, second] = await Promise.all([presence.expire('p-exp'), presence.expire('p-exp')]);
    expect([...first, ...second]).toEqual(['quiet']);
    expect(await presence.online('p-exp')).toEqual(['chatty']);
  });

  it('through the servers: a client that vanishes (no heartbeats) is expired and the room is told', async () => {
    const gina = await userOn(A, 'gina');
    const hank = await userOn(B, 'hank');
    await gina.join('expiry');
    const joined = await hank.join('expiry');
    expect(joined.online).toEqual([gina.user, hank.user].sort());
    await gina.next('join', (e) => e.user === hank.user);

    clock += TTL - 1_000;
    hank.send({ type: 'heartbeat' }); // hank keeps beating; gina's laptop lid is closed
    expect(await hank.who('expiry')).toEqual([gina.user, hank.user].sort()); // who answers after the heartbeat
    clock += 2_000;
    expect(await hank.who('expiry')).toEqual([hank.user]);

    const gone = await B.chat.sweep();
    expect(gone).toContainEqual({ room: 'expiry', user: gina.user });
    const leave = await hank.next('leave', (e) => e.user === gina.user);
    expect(leave).toMatchObject({ room: 'expiry', reason: 'timeout' });
    expect(await A.chat.sweep()).not.toContainEqual({ room: 'expiry', user: gina.user });

    // gina's client wakes up: its next heartbeat brings her back with a join
    gina.send({ type: 'heartbeat' });
    await hank.next('join', (e) => e.user === gina.user);
  });

  it('a clean disconnect leaves at once', async () => {
    const ivan = await userOn(A, 'ivan');
    const jane = await userOn(B, 'jane');
    await ivan.join('leaving');
    await jane.join('leaving');
    await ivan.close();
    expect(await jane.next('leave', (e) => e.user === ivan.user)).toMatchObject({ reason: 'disconnected' });
    expect(await jane.who('leaving')).toEqual([jane.user]);
  });
});

describe('auth', () => {
  it('refuses a wrong password clearly, and an unknown user the same way', async () => {
    await register(A.url, 'kate', 'kate-password');
    await expect(login(A.url, 'kate', 'not-her-password')).rejects.toMatchObject({ status: 401, code: 'invalid_credentials', message: 'wrong user name or password' });
    await expect(login(A.url, 'nobody', 'whatever-pass')).rejects.toMatchObject({ status: 401, code: 'invalid_credentials' });
    // loginOrRegister must not "register over" an existing account either
    await expect(loginOrRegister(A.url, 'kate', 'not-her-password')).rejects.toMatchObject({ status: 401 });
    expect((await login(B.url, 'kate', 'kate-password')).token).toMatch(/^[\w-]{32}$/);
  });

  it('stores a scrypt hash, never the password', async () => {
    const stored = await ctx.redis.hget(ctx.keys.key('users'), 'kate');
    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
    expect(stored).not.toContain('kate-password');
  });

  it('refuses a taken name (409) and bad input (400)', async () => {
    await expect(register(A.url, 'kate', 'other-password')).rejects.toMatchObject({ status: 409, code: 'conflict' });
    await expect(register(A.url, 'bad name!', 'long-enough')).rejects.toMatchObject({ status: 400, code: 'validation_failed' });
    await expect(register(A.url, 'shorty', 'short')).rejects.toMatchObject({ status: 400 });
  });

  it('refuses a WebSocket without a valid session token', async () => {
    await expect(ChatClient.connect(A.url, '')).rejects.toMatchObject({ status: 401 });
    await expect(ChatClient.connect(A.url, 'forged-token')).rejects.toBeInstanceOf(AppError);
    const { token } = await login(A.url, 'kate', 'kate-password');
    await A.chat.auth.logout(token);
    await expect(ChatClient.connect(B.url, token)).rejects.toMatchObject({ status: 401 });
  });
});

describe('bad input gives an error frame and the socket stays usable', () => {
  let c: ChatClient;
  beforeAll(async () => {
    c = await userOn(A, 'lena');
  });
  const stillUsable = async () => {
    c.send({ type: 'ping' });
    await c.next('pong');
  };

  it.each([
    ['invalid JSON', '{"type": "join", room: general', 'invalid_json'],
    ['an unknown frame type', JSON.stringify({ type: 'shout', room: 'general' }), 'invalid_frame'],
    ['a room name that breaks the rule', JSON.stringify({ type: 'join', room: 'Not A Room!' }), 'invalid_frame'],
    ['an unknown room', JSON.stringify({ type: 'join', room: 'no-such-room' }), 'unknown_room'],
    ['an empty message', JSON.stringify({ type: 'message', room: 'general', text: '   ' }), 'invalid_message'],
    ['an oversized message', JSON.stringify({ type: 'message', room: 'general', text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }), 'invalid_message'],
    ['a message to a room not joined', JSON.stringify({ type: 'message', room: 'random', text: 'hi' }), 'not_joined'],
  ])('%s', async (_what, raw, code) => {
    c.send(raw);
    expect(await c.next('error')).toMatchObject({ code });
    await stillUsable();
  });

  it('a binary frame', async () => {
    c.ws.send(Buffer.from([1, 2, 3]));
    expect(await c.next('error')).toMatchObject({ code: 'invalid_json' });
    await stillUsable();
  });
});
