// The session service on Redis Cluster while the master of a user's slot (their {user}-tagged session,
// index and revocation keys) dies and its replica takes over: no hang, failures only as 503 +
// Retry-After inside the failover window, then the same access token works on the promoted replica.
// What a failover can lose: replication is asynchronous, so writes the dead master acknowledged in its
// last moments (a login, a rotation, a logout) may be missing on the replica. A session written before
// that survives (this test); a lost logout would leave its session alive until the access token's
// short expiry — the README says so, and WAIT narrows the window where that matters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { listen, type Listening } from '../../../shared/http';
import { serveSessions } from '../serve';
import { sessionKeys } from '../src/store';

let cluster: LocalCluster;
let ctx: LabContext;
let http: Listening;
let close: () => Promise<void>;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.3.2', { redisUrl: cluster.url, serving: true });
  const served = (await serveSessions(ctx)) as { app: Parameters<typeof listen>[0]; close(): Promise<void> };
  close = served.close;
  http = await listen(served.app);
});
afterAll(async () => {
  await http?.close();
  await close?.();
  await ctx?.dispose();
  await cluster?.dispose();
});

const post = (path: string, body: unknown) =>
  fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('failover of a user\'s master', () => {
  it('/me: no hang, 503 + Retry-After only during the failover, the same token valid on the replica', async () => {
    const creds = { email: `failover-${Date.now()}@example.com`, password: 'correct horse battery' };
    expect((await post('/auth/register', creds)).status).toBe(201);
    const login = await post('/auth/login', creds);
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const userId = String(JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).sub);
    const me = (signal?: AbortSignal) => fetch(`${http.url}/me`, { signal, headers: { authorization: `Bearer ${accessToken}` } });

    const r = await runFailoverDrill({ cluster, key: sessionKeys(ctx.keys).index(userId), request: me });
    expectFailoverHeld(r);
    // Nothing but 200 and 503: the session was never taken for gone (a 401 would log the user out).
    expect(r.samples.filter((s) => s.status !== 200 && s.status !== 503), describeFailover(r)).toEqual([]);
    expect((await me()).status).toBe(200);
  });
});
