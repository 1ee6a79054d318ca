// The failover drill (harness/failover-drill.ts) on the chat server's account routes, on a private Redis
// Cluster with one replica per master: while logins and registrations go on, the master holding the
// users hash is killed and its replica promoted. No hangs, no 5xx but 503 + Retry-After, normal again
// once the replica serves, and the accounts that had reached the replica before the kill still log in.
//
// What a failover can lose (Redis replication is asynchronous): a write the master acknowledged but had
// not yet sent to its replica — here an account registered, a session created or a message stored in
// the last moments before the kill. Chat history and presence are best-effort by design; accounts are
// the state that matters, and the test checks the ones already replicated survive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { waitFor } from '../../../harness/ports';
import { TEST_SCRYPT } from '../../../shared/password';
import { startChatServer, type RunningChatServer } from '../src/server';

let cluster: LocalCluster;
let ctx: LabContext;
let chat: RunningChatServer;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.1.2', { services: ['redis'], redisUrl: cluster.url, serving: true });
  chat = await startChatServer({
    redis: ctx.redis,
    subscriber: ctx.newRedis(),
    keys: ctx.keys,
    passwordParams: TEST_SCRYPT,
    // The drill logs in hundreds of times from one address: limits that do not get in its way.
    loginLimits: { perAccount: 100_000, perClient: 100_000, windowSec: 60 },
    sweepEveryMs: false,
  });
});
afterAll(async () => {
  await chat?.close();
  await ctx?.dispose();
  await cluster?.dispose();
});

const post = (path: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${chat.url}${path}`, { method: 'POST', signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Waits until every replica of `port`'s master has caught up with it (replication offsets equal). */
async function replicated(port: number): Promise<void> {
  const r = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await r.connect();
    await waitFor(async () => {
      const info = await r.info('replication');
      const offset = /master_repl_offset:(\d+)/.exec(info)?.[1];
      const replicas = [...info.matchAll(/slave\d+:[^\r\n]*offset=(\d+)/g)].map((m) => m[1]);
      return replicas.length > 0 && replicas.every((o) => o === offset);
    }, { timeoutMs: 10_000, what: 'the replica to catch up' });
  } finally {
    r.disconnect();
  }
}

describe('failover drill', () => {
  it('killing the master of the users hash: logins and registrations fail only inside the window, as 503 + Retry-After; replicated accounts survive', async () => {
    const usersKey = ctx.keys.key('users');
    const before = ['ada', 'grace', 'linus'];
    for (const user of before) expect((await post('/register', { user, password: `${user}-password` })).status).toBe(201);
    await replicated((await cluster.masterOf(usersKey)).port);

    let i = 0;
    const r = await runFailoverDrill({
      cluster,
      key: usersKey,
      request: (signal) => {
        const n = i++;
        // every other request registers a new account (a write), the rest log in (reads + a session write)
        if (n % 2) return post('/register', { user: `drill-${n}`, password: 'drill-password' }, signal);
        const user = before[n % before.length]!;
        return post('/login', { user, password: `${user}-password` }, signal);
      },
    });
    expect(r.hangs, describeFailover(r)).toEqual([]);
    expect(r.unexpected, describeFailover(r)).toEqual([]);
    expect(r.notRecovered, describeFailover(r)).toEqual([]);
    expect(r.samples.some((s) => s.phase === 'before' && s.status === 200), describeFailover(r)).toBe(true);
    expect(r.samples.some((s) => s.phase === 'after' && s.status === 200), describeFailover(r)).toBe(true);
    expect(r.samples.some((s) => /timed out|ECONN|Connection is closed|CLUSTERDOWN|internal/i.test(s.body)), describeFailover(r)).toBe(false);
    // The promoted replica had every account registered before the drill.
    for (const user of before) expect((await post('/login', { user, password: `${user}-password` })).status, user).toBe(200);
  });
});
