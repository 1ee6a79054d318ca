// The capstone on a Redis Cluster while the master holding a hot book's cache entries dies and its
// replica is promoted, with reads of that book and reviews written to it the whole time. Reads never
// fail (Redis errors fall back to Postgres); a write inside the window may get 503 + Retry-After
// (sessions fail closed), never a 500 or a hang. What a failover can lose: Redis replication is
// asynchronous, so an invalidation or a board update the dead master acknowledged may never have
// reached the replica. Postgres is the truth, and the capstone's answer is the one it gives to an
// outage: a cache entry is stale at most for its policy's ttl + grace, and `rebuild` repairs the boards.
// The test checks both after the drill.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../harness/cluster';
import { expectFailoverHeld } from '../../harness/drill-expect';
import { describeFailover, runFailoverDrill } from '../../harness/failover-drill';
import { CACHE_POLICIES } from '../src/cache-policy';
import { startCapstone, type Capstone } from './fixtures';

const WRITERS = 40;
let cluster: LocalCluster;
let c: Capstone;

beforeAll(async () => {
  cluster = await startRedisCluster({ replicas: 1 });
  // No per-route write budget here: the drill is about the failover, not the limiter.
  c = await startCapstone({ redisUrl: cluster.url, app: { limits: [{ name: 'per-ip', by: ['ip'], capacity: 100_000, refillPerSec: 10_000 }] } });
}, 120_000);
afterAll(async () => {
  await c?.close();
  await cluster?.dispose();
});

describe("failover of a hot book's master", () => {
  it('reads stay 200, writes fail only inside the window with 503 + Retry-After; afterwards the page and the boards match Postgres', async () => {
    // Popular, but not so popular that every reader has reviewed it already.
    const book = c.seed.popular[20]!;
    // Readers who have not reviewed it yet (one review per reader and book): every write is a real one.
    const fresh = await c.ctx.pg.query<{ id: number }>('SELECT id FROM users u WHERE NOT EXISTS (SELECT 1 FROM reviews r WHERE r.user_id = u.id AND r.book_id = $1) ORDER BY id LIMIT $2', [book, WRITERS]);
    expect(fresh.rows).toHaveLength(WRITERS);
    const tokens = await Promise.all(fresh.rows.map((u) => c.login(u.id)));
    let n = 0;
    let w = 0;
    const r = await runFailoverDrill({
      cluster,
      key: c.service.keys.bookPage(book),
      request: (signal) => {
        // Every fourth request one more reader reviews the book.
        if (n++ % 4 === 3 && w < tokens.length) {
          const token = tokens[w++]!;
          return fetch(`${c.http.url}/books/${book}/reviews`, { method: 'POST', signal, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ rating: 5, body: 'written during a failover' }) });
        }
        return fetch(`${c.http.url}/books/${book}`, { signal });
      },
    });
    expectFailoverHeld(r);
    // Only writes fail (a read's fallback is Postgres), and only as the sessions' fail-closed 503.
    for (const s of r.failed) expect(s.body, describeFailover(r)).toContain('session_store_unavailable');
    expect(r.samples.filter((s) => s.status === 409), describeFailover(r)).toEqual([]);
    expect((await cluster.masterOf(c.service.keys.bookPage(book))).port).toBe(r.failover.promotedPort);

    // The staleness bound: past the book page's ttl + grace, whatever invalidation the failover lost,
    // the page is Postgres's. (The L1 keeps a page for 1 s of real time: wait that out too.)
    const { ttlSec, graceSec } = CACHE_POLICIES.bookPage;
    c.clock.now += (ttlSec + graceSec + 1) * 1000;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const truth = await c.ctx.pg.query<{ n: number }>('SELECT review_count AS n FROM books WHERE id = $1', [book]);
    const page = await c.call('GET', `/books/${book}`);
    expect(page.status).toBe(200);
    expect(page.body.rating.count, describeFailover(r)).toBe(truth.rows[0]!.n);

    // The boards: a rebuild reports any drift the failover left and ends equal to Postgres.
    const rebuilt = await fetch(`${c.http.url}/admin/rebuild-leaderboards`, { method: 'POST', headers: { 'x-admin-key': 'test-admin-key' } });
    expect(rebuilt.status).toBe(200);
    for (const board of ['top-rated', 'reviewed-week'] as const) {
      const served = await c.service.boards[board === 'top-rated' ? 'topRated' : 'reviewedThisWeek'](10);
      const expected = await c.service.boards.fromPostgres(c.service.db, board, 10);
      expect(served.map((e) => e.score)).toEqual(expected.map((e) => e.score));
    }
  });
});
