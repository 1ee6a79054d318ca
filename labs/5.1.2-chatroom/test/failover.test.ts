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
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
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

describe('failover drill', () => {
  it('killing the master of the users hash: logins and registrations fail only inside the window, as 503 + Retry-After; replicated accounts survive', async () => {
    const usersKey = ctx.keys.key('users');
    const before = ['ada', 'grace', 'linus'];
    for (const user of before) expect((await post('/register', { user, password: `${user}-password` })).status).toBe(201);
    await cluster.whenReplicated(usersKey);

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
    expectFailoverHeld(r);
    expect(r.samples.some((s) => /timed out|ECONN|Connection is closed|CLUSTERDOWN|internal/i.test(s.body)), describeFailover(r)).toBe(false);
    // The promoted replica had every account registered before the drill.
    for (const user of before) expect((await post('/login', { user, password: `${user}-password` })).status, user).toBe(200);
  });
});
