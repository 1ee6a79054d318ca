// The bench's Redis Cluster rows: the submit script on a private cluster vs a private single server
// (every key of a game shares its {tag}, so the script runs whole on one master), and the failover
// drill of test/failover.test.ts as report rows.
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../../harness/cluster-bench';
import { createTestContext, type LabContext } from '../../harness/context';
import { runFailoverDrill } from '../../harness/failover-drill';
import type { Metric, Ratio } from '../../harness/report';
import { listen } from '../../shared/http';
import { lbKeys } from './src/keys';
import { leaderboardService } from './src/service';
import { createSubmitter } from './src/submit';

export async function clusterRows(ctx: LabContext, quick: boolean): Promise<{ metrics: Metric[]; ratios: Ratio[] }> {
  const hot = await clusterVsSingle(ctx, {
    what: 'submit (submit.lua: 3 boards + stats + history)',
    iterations: quick ? 500 : 5_000,
    setup: async (redis, keys) => {
      const submit = createSubmitter(redis, lbKeys(keys), { now: Date.now, historyCap: 50, eventTopN: 10 });
      return (i) => submit('bench', `player-${Math.abs(i) % 1_000}`, Math.abs(i));
    },
  });
  // Last: it kills a master of the bench's cluster (its replica takes over).
  const { cluster } = await benchTopologies(ctx);
  const drillCtx = await createTestContext('5.1.B', { redisUrl: cluster.url, serving: true });
  const lb = await leaderboardService(drillCtx, { topCacheMs: 0 });
  const http = await listen(lb.app);
  try {
    const board = lbKeys(drillCtx.keys).board('g', 'alltime', 'all');
    let i = 0;
    const r = await runFailoverDrill({ restartKilled: true,
      cluster,
      key: board,
      request: (signal) => {
        const n = i++;
        if (n % 2) return fetch(`${http.url}/games/g/boards/alltime?limit=10`, { signal });
        return fetch(`${http.url}/games/g/scores`, { method: 'POST', signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ player: `p${n}`, score: n }) });
      },
    });
    return { metrics: [...hot.metrics, ...failoverMetrics(r, 'failover (submit + top 10)')], ratios: hot.ratios };
  } finally {
    await http.close();
    await lb.close();
    await drillCtx.dispose();
  }
}
