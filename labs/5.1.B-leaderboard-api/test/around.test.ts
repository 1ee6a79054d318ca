import { beforeAll, describe, expect, it } from 'vitest';
import { fails, ok, seedBoard, useApi } from './helpers';

const env = useApi();
beforeAll(async () => {
  // p0 … p9 with scores 0 … 90: p9 is first, p0 last.
  await seedBoard(env.ctx, env.lb.keys.board('ar', 'alltime', 'all'), Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, i * 10])));
});

const players = (body: { entries: Array<{ player: string }> }) => body.entries.map((e) => e.player);

describe('exercise 4: rank around me', () => {
  it('returns the player with n above and n below, ranked', async () => {
    const r = ok(await env.lb.api.get('/games/ar/boards/alltime/around/p5?n=2'));
    expect(r).toMatchObject({ game: 'ar', board: 'alltime', period: 'all', player: 'p5', rank: 5, score: 50 });
    expect(r.entries).toEqual([
      { rank: 3, player: 'p7', score: 70, me: false },
      { rank: 4, player: 'p6', score: 60, me: false },
      { rank: 5, player: 'p5', score: 50, me: true },
      { rank: 6, player: 'p4', score: 40, me: false },
      { rank: 7, player: 'p3', score: 30, me: false },
    ]);
  });

  it('clips the window at the top and at the bottom of the board', async () => {
    expect(players(ok(await env.lb.api.get('/games/ar/boards/alltime/around/p9?n=2')))).toEqual(['p9', 'p8', 'p7']);
    const last = ok(await env.lb.api.get('/games/ar/boards/alltime/around/p0?n=3'));
    expect(last.rank).toBe(10);
    expect(players(last)).toEqual(['p3', 'p2', 'p1', 'p0']);
    expect(players(ok(await env.lb.api.get('/games/ar/boards/alltime/around/p5'))).length).toBe(10); // n defaults to 5
  });

  it('answers 404 for a player who is not on the board', async () => {
    fails(await env.lb.api.get('/games/ar/boards/alltime/around/nobody'), 404, 'not_found');
  });
});
