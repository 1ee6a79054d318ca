import { describe, expect, it } from 'vitest';
import { openEventStream } from '../src/client';
import { fails, ok, T0, useApi } from './helpers';

const env = useApi({ historyCap: 3, second: true });

describe('exercise 2: atomic submit', () => {
  it('updates the daily, weekly and all-time boards in one step', async () => {
    const r = ok(await env.lb.api.post('/games/g1/scores', { player: 'ada', score: 100 }), 201);
    expect(r).toMatchObject({ game: 'g1', player: 'ada', score: 100, games: 1, best: 100 });
    expect(r.boards).toEqual({
      daily: { period: '2030-01-15', score: 100, rank: 1, improved: true },
      weekly: { period: '2030-W03', score: 100, rank: 1, improved: true },
      alltime: { period: 'all', score: 100, rank: 1, improved: true },
    });
    const keys = ['daily:2030-01-15', 'weekly:2030-W03', 'alltime:all'].map((p) => `${env.ctx.prefix}5.1.B:board:{g1}:${p}`);
    expect(keys).toEqual([env.lb.keys.board('g1', 'daily', '2030-01-15'), env.lb.keys.board('g1', 'weekly', '2030-W03'), env.lb.keys.board('g1', 'alltime', 'all')]);
    for (const key of keys) expect(await env.ctx.redis.zscore(key, 'ada')).toBe('100');
  });

  it('sets PEXPIREAT on the period keys: daily kept 2 days, weekly 2 weeks, all-time never', async () => {
    ok(await env.lb.api.post('/games/g2/scores', { player: 'ada', score: 5 }), 201);
    expect(await env.ctx.redis.pexpiretime(env.lb.keys.board('g2', 'daily', '2030-01-15'))).toBe(Date.UTC(2030, 0, 17));
    expect(await env.ctx.redis.pexpiretime(env.lb.keys.board('g2', 'weekly', '2030-W03'))).toBe(Date.UTC(2030, 0, 28));
    expect(await env.ctx.redis.pexpiretime(env.lb.keys.board('g2', 'alltime', 'all'))).toBe(-1);
  });

  it('keeps each player\'s best score per period; a new day starts a new daily board', async () => {
    ok(await env.lb.api.post('/games/g3/scores', { player: 'bob', score: 80 }), 201);
    const lower = ok(await env.lb.api.post('/games/g3/scores', { player: 'bob', score: 30 }), 201);
    expect(lower).toMatchObject({ games: 2, best: 80 });
    expect(lower.boards.alltime).toMatchObject({ score: 80, improved: false });
    env.lb.clock.t = T0 + 86_400_000; // Wednesday, same ISO week
    try {
      const nextDay = ok(await env.lb.api.post('/games/g3/scores', { player: 'bob', score: 40 }), 201);
      expect(nextDay.boards.daily).toEqual({ period: '2030-01-16', score: 40, rank: 1, improved: true });
      expect(nextDay.boards.weekly).toMatchObject({ period: '2030-W03', score: 80, improved: false });
    } finally {
      env.lb.clock.t = T0;
    }
  });

  it('keeps statistics, current ranks and a capped history', async () => {
    for (const [player, score] of [['cy', 10], ['dee', 50], ['cy', 70], ['cy', 20], ['cy', 60]] as const) {
      ok(await env.lb.api.post('/games/g4/scores', { player, score }), 201);
    }
    const stats = ok(await env.lb.api.get('/games/g4/players/cy'));
    expect(stats).toMatchObject({ game: 'g4', player: 'cy', best: 70, games: 4, lastScore: 60, lastAt: new Date(T0).toISOString() });
    expect(stats.ranks.alltime).toEqual({ period: 'all', rank: 1, score: 70 });
    expect(stats.ranks.daily).toEqual({ period: '2030-01-15', rank: 1, score: 70 });
    const history = ok(await env.lb.api.get('/games/g4/players/cy/history')).history;
    expect(history.map((h: { score: number }) => h.score)).toEqual([60, 20, 70]); // newest first, capped at 3
    expect(history[2].ranks).toEqual({ daily: 1, weekly: 1, alltime: 1 });
    expect((await env.ctx.redis.lrange(env.lb.keys.history('g4', 'cy'), 0, -1)).length).toBe(3);
    const dee = ok(await env.lb.api.get('/games/g4/players/dee/history')).history;
    expect(dee[0].ranks.alltime).toBe(1); // dee led with 50 when she played
    expect(ok(await env.lb.api.get('/games/g4/players/dee')).ranks.alltime.rank).toBe(2); // and is second now
  });

  it('publishes top-N changes that a client of another instance receives over SSE', async () => {
    const stream = await openEventStream(`${env.other.url}/games/g5/boards/alltime/events?n=2`);
    try {
      expect((await stream.take((e) => e.event === 'snapshot')).data.top).toEqual([]);
      ok(await env.lb.api.post('/games/g5/scores', { player: 'eve', score: 10 }), 201);
      ok(await env.lb.api.post('/games/g5/scores', { player: 'fay', score: 20 }), 201);
      ok(await env.lb.api.post('/games/g5/scores', { player: 'gus', score: 5 }), 201); // rank 3: outside the top 2
      ok(await env.lb.api.post('/games/g5/scores', { player: 'eve', score: 30 }), 201);
      const first = await stream.take((e) => e.event === 'top');
      expect(first.data).toMatchObject({ board: 'alltime', player: 'eve', rank: 1, top: [{ rank: 1, player: 'eve', score: 10 }] });
      expect((await stream.take((e) => e.event === 'top')).data.top.map((t: { player: string }) => t.player)).toEqual(['fay', 'eve']);
      const last = await stream.take((e) => e.event === 'top');
      expect(last.data.top).toEqual([{ rank: 1, player: 'eve', score: 30 }, { rank: 2, player: 'fay', score: 20 }]);
      expect(stream.events.filter((e) => e.event === 'top').map((e) => e.data.player)).toEqual(['eve', 'fay', 'eve']); // gus never made the top 2
    } finally {
      stream.close();
    }
  });

  it('rejects a score that is not a non-negative integer without touching any board', async () => {
    fails(await env.lb.api.post('/games/g6/scores', { player: 'ada', score: 1.5 }), 400, 'validation_failed');
    ok(await env.lb.api.post('/games/g6/scores', { player: 'ada', score: 1 }), 201);
    expect(await env.ctx.redis.zcard(env.lb.keys.board('g6', 'alltime', 'all'))).toBe(1);
  });
});
