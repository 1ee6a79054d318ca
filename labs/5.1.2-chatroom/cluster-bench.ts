// The bench's Redis Cluster rows: the message hot path (history + PUBLISH) on a private cluster vs a
// private single server, and the failover drill of test/failover.test.ts as report rows.
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../../harness/cluster-bench';
import { createTestContext, type LabContext } from '../../harness/context';
import { runFailoverDrill } from '../../harness/failover-drill';
import type { Metric, Ratio } from '../../harness/report';
import { TEST_SCRYPT } from '../../shared/password';
import { createRoomBridge } from './src/bridge';
import { createRoomHistory } from './src/history';
import type { ChatMessage } from './src/protocol';
import { startChatServer } from './src/server';

export async function clusterRows(ctx: LabContext, quick: boolean): Promise<{ metrics: Metric[]; ratios: Ratio[] }> {
  // What the server does per chat message: MULTI(LPUSH, LTRIM) on the room's history and a PUBLISH.
  const hot = await clusterVsSingle(ctx, {
    what: 'chat message (history + PUBLISH)',
    iterations: quick ? 500 : 5_000,
    setup: async (redis, keys) => {
      const history = createRoomHistory(redis, keys, 50);
      const bridge = createRoomBridge(redis, redis, keys); // publishes only: no subscriber needed
      return (i) => {
        const message: ChatMessage = { type: 'message', id: `m${i}`, room: 'bench', user: 'ada', text: `message ${i}`, ts: i };
        return Promise.all([history.push('bench', message), bridge.publish('bench', message)]);
      };
    },
  });
  // Last: it kills a master of the bench's cluster (its replica takes over).
  const { cluster } = await benchTopologies(ctx);
  const drillCtx = await createTestContext('5.1.2', { services: ['redis'], redisUrl: cluster.url, serving: true });
  const chat = await startChatServer({
    redis: drillCtx.redis,
    subscriber: drillCtx.newRedis(),
    keys: drillCtx.keys,
    passwordParams: TEST_SCRYPT,
    loginLimits: { perAccount: 100_000, perClient: 100_000, windowSec: 60 },
    sweepEveryMs: false,
  });
  try {
    const post = (path: string, body: unknown, signal?: AbortSignal) =>
      fetch(`${chat.url}${path}`, { method: 'POST', signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post('/register', { user: 'ada', password: 'ada-password' });
    let i = 0;
    const r = await runFailoverDrill({ restartKilled: true,
      cluster,
      key: drillCtx.keys.key('users'),
      request: (signal) => (i++ % 2 ? post('/register', { user: `drill-${i}`, password: 'drill-password' }, signal) : post('/login', { user: 'ada', password: 'ada-password' }, signal)),
    });
    return { metrics: [...hot.metrics, ...failoverMetrics(r, 'failover (login + register)')], ratios: hot.ratios };
  } finally {
    await chat.close();
    await drillCtx.dispose();
  }
}
