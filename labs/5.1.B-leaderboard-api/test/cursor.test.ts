import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../harness/ports';
import { decodeCursor, encodeCursor } from '../src/cursor';
import { fails, ok, seedBoard, startApi, T0, useApi } from './helpers';

const env = useApi();

interface Row {
  rank: number;
  player: string;
  score: number;
}

/** Follows nextCursor to the end; `between` runs after each page. */
async function readAll(path: string, between?: () => Promise<void>): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: { entries: Row[]; nextCursor: string | null } = ok(await env.lb.api.get(`${path}${cursor ? `${sep}cursor=${cursor}` : ''}`));
    rows.push(...page.entries);
    cursor = page.nextCursor;
    pages++;
    if (cursor) await between?.();
  } while (cursor);
  return { rows, pages };
}

describe('exercise 3: cursor pagination', () => {
  it('encodes an opaque base64url cursor and decodes it for the same board only', () => {
    const c = { board: 'weekly' as const, period: '2030-W03', score: 42, player: 'ada' };
    const text = encodeCursor(c);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(text, 'weekly')).toEqual(c);
    expect(() => decodeCursor(text, 'daily')).toThrow(/weekly/);
    expect(() => decodeCursor('not a cursor', 'daily')).toThrow(/cursor/);
  });

  it('pages through ties in board order, each member once, with ranks', async () => {
    const scores = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${String(i).padStart(2, '0')}`, (i % 5) * 10]));
    await seedBoard(env.ctx, env.lb.keys.board('c1', 'alltime', 'all'), scores);
    const { rows, pages } = await readAll('/games/c1/boards/alltime?limit=4');
    expect(pages).toBe(7);
    const flat = await env.ctx.redis.zrevrange(env.lb.keys.board('c1', 'alltime', 'all'), 0, -1);
    expect(rows.map((r) => r.player)).toEqual(flat);
    expect(rows.map((r) => r.rank)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(rows[0]).toEqual({ rank: 1, player: 'p24', score: 40 });
  });

  it('reads the previous period by name, and a cursor keeps its period after midnight', async () => {
    await seedBoard(env.ctx, env.lb.keys.board('c2', 'daily', '2030-01-14'), { ada: 7 });
    expect(ok(await env.lb.api.get('/games/c2/boards/daily?period=2030-01-14')).entries).toEqual([{ rank: 1, player: 'ada', score: 7 }]);
    await seedBoard(env.ctx, env.lb.keys.board('c2', 'daily', '2030-01-15'), { a: 3, b: 2, c: 1 });
    const first = ok(await env.lb.api.get('/games/c2/boards/daily?limit=2'));
    env.lb.clock.t = T0 + 86_400_000;
    try {
      const second = ok(await env.lb.api.get(`/games/c2/boards/daily?limit=2&cursor=${first.nextCursor}`));
      expect(second).toMatchObject({ period: '2030-01-15', entries: [{ rank: 3, player: 'c', score: 1 }], nextCursor: null });
    } finally {
      env.lb.clock.t = T0;
    }
  });

  it('rejects cursors it did not issue, or for another board or period, with 400', async () => {
    await seedBoard(env.ctx, env.lb.keys.board('c3', 'alltime', 'all'), { a: 3, b: 2, c: 1 });
    const cursor = ok(await env.lb.api.get('/games/c3/boards/alltime?limit=1')).nextCursor;
    fails(await env.lb.api.get(`/games/c3/boards/daily?cursor=${cursor}`), 400, 'invalid_cursor');
    fails(await env.lb.api.get(`/games/c3/boards/alltime?period=2030-01-15&cursor=${cursor}`), 400, 'invalid_cursor');
    fails(await env.lb.api.get('/games/c3/boards/alltime?cursor=bm90LWpzb24'), 400, 'invalid_cursor');
    fails(await env.lb.api.get(`/games/c3/boards/alltime?cursor=${Buffer.from('{"b":"alltime"}').toString('base64url')}`), 400, 'invalid_cursor');
  });

  it('has no duplicates and no gaps among unchanged members while another task submits scores', async () => {
    const key = env.lb.keys.board('c4', 'alltime', 'all');
    // 200 players in ties of four; the 20 lowest are the "movers" the writer keeps sending to the top.
    const players = Array.from({ length: 200 }, (_, i) => `p${String(i).padStart(3, '0')}`);
    await seedBoard(env.ctx, key, Object.fromEntries(players.map((p, i) => [p, Math.floor(i / 4) * 10])));
    const movers = new Set(players.slice(0, 20));
    let writes = 0;
    let done = false;
    const writer = (async () => {
      for (let k = 0; !done; k++) {
        // The same write the submit script makes to the board (ZADD GT), straight to Redis, so that this
        // exercise does not depend on exercise 2.
        await env.ctx.redis.zadd(key, 'GT', 10_000 + k, `p${String(k % 20).padStart(3, '0')}`);
        writes++;
      }
    })();
    let result: Awaited<ReturnType<typeof readAll>>;
    try {
      // Between two pages the writer has moved at least two players above the cursor: an offset-based
      // pager would then show the last entries of the previous page again.
      result = await readAll(`/games/c4/boards/alltime?limit=15`, async () => {
        const seen = writes;
        await waitFor(() => writes >= seen + 2, { what: 'two concurrent submissions' });
      });
    } finally {
      done = true;
      await writer;
    }
    expect(writes).toBeGreaterThan(2 * 10);
    const steady = result.rows.filter((r) => !movers.has(r.player)).map((r) => r.player);
    expect(steady.length).toBe(new Set(steady).size); // no duplicates
    expect(new Set(steady)).toEqual(new Set(players.filter((p) => !movers.has(p)))); // no gaps
  });

  it('micro-caches first pages when asked to, and a top-N event clears them on every instance', async () => {
    const cached = await startApi(env.ctx, { topCacheMs: 1_000, clock: { t: T0 } });
    try {
      const key = env.lb.keys.board('c5', 'alltime', 'all');
      await seedBoard(env.ctx, key, { a: 30, b: 20 });
      const names = async () => ok(await cached.api.get('/games/c5/boards/alltime')).entries.map((e: Row) => e.player);
      expect(await names()).toEqual(['a', 'b']);
      await seedBoard(env.ctx, key, { c: 10 }); // written behind the API's back: no event
      expect(await names()).toEqual(['a', 'b']); // served from the cache
      cached.clock.t += 1_000;
      expect(await names()).toEqual(['a', 'b', 'c']); // ttl over
      await seedBoard(env.ctx, key, { d: 40 });
      expect(await names()).toEqual(['a', 'b', 'c']);
      await env.ctx.redis.publish(env.lb.keys.channel('c5'), JSON.stringify({ type: 'top', game: 'c5', board: 'alltime', period: 'all' }));
      await waitFor(async () => (await names())[0] === 'd', { what: 'the event to clear the cached page' });
    } finally {
      await cached.close();
    }
  });
});
