// The failover drill (harness/failover-drill.ts) on the API as `serve` builds it, on a private Redis
// Cluster with one replica per master: while scores are submitted and the board is read, the master of
// the game's slot (every key of a game shares its {tag}) is killed and its replica promoted.
//
// What a failover can lose (Redis replication is asynchronous): a submit the old master acknowledged
// but had not yet streamed to its replica. The board is not the system of record (a game server resends
// a player's result, and `best` only moves up), so the API does not WAIT on every submit; what it does
// promise, and this test checks: scores already replicated survive the failover, and every submit
// acknowledged once the replica serves is on the board.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { createTestContext, type LabContext } from '../../../harness/context';
import { expectFailoverHeld } from '../../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../../harness/failover-drill';
import { listen, type Listening } from '../../../shared/http';
import { lbKeys } from '../src/keys';
import { leaderboardService } from '../src/service';
import { AUTH } from './helpers';

let cluster: LocalCluster;
let ctx: LabContext;
let http: Listening;
let lb: Awaited<ReturnType<typeof leaderboardService>>;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  ctx = await createTestContext('5.1.B', { redisUrl: cluster.url, serving: true });
  lb = await leaderboardService(ctx, { auth: AUTH, topCacheMs: 0 });
  http = await listen(lb.app);
});
afterAll(async () => {
  await http?.close();
  await lb?.close();
  await ctx?.dispose();
  await cluster?.dispose();
});

const submit = (player: string, score: number, signal?: AbortSignal) =>
  fetch(`${http.url}/games/g/scores`, { method: 'POST', signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ player, score }) });

describe('failover drill', () => {
  it("killing the game's master: submits and pages fail only inside the window, as 503 + Retry-After; nothing replicated or acknowledged afterwards is lost", async () => {
    const board = lbKeys(ctx.keys).board('g', 'alltime', 'all');
    for (const [player, score] of [['ada', 300], ['grace', 200], ['linus', 100]] as const) expect((await submit(player, score)).status).toBe(201);
    await cluster.whenReplicated(board);

    let i = 0;
    const r = await runFailoverDrill({
      cluster,
      key: board,
      request: (signal) => {
        const n = i++;
        if (n % 2) return fetch(`${http.url}/games/g/boards/alltime?limit=10`, { signal });
        return submit(`p${n}`, n, signal);
      },
    });
    expectFailoverHeld(r, 201);
    expect(r.samples.some((s) => /timed out|ECONN|Connection is closed|CLUSTERDOWN|internal/i.test(s.body)), describeFailover(r)).toBe(false);

    // Replicated before the kill: still there on the promoted replica.
    for (const player of ['ada', 'grace', 'linus']) expect(await ctx.redis.zscore(board, player), player).not.toBeNull();
    // Acknowledged by a request that started once the replica served: on the board.
    const ackedAfter = r.samples
      .filter((s) => s.status === 201 && s.startMs >= r.failover.ms)
      .map((s) => (JSON.parse(s.body) as { player: string }).player);
    expect(ackedAfter.length, describeFailover(r)).toBeGreaterThan(0);
    const scores = await Promise.all(ackedAfter.map((p) => ctx.redis.zscore(board, p)));
    expect(ackedAfter.filter((_, k) => scores[k] === null), describeFailover(r)).toEqual([]);
  });
});
