// A reset whose RENAME reached Redis during a stall after the API had given up leaves the board parked
// under its archiving key with no reset under way. That must not hold the board: the next reset merges
// the parked standings back first (no score lost), then resets as usual.
import { describe, expect, it } from 'vitest';
import { seedBoard, useApi } from './helpers';

const env = useApi();
const admin = { 'x-api-key': 'test-admin-key' };

describe('admin reset', () => {
  it('a parked board with no reset under way (a late RENAME) is merged back, not a 409 forever', async () => {
    const live = env.lb.keys.board('sp', 'alltime', 'all');
    await seedBoard(env.ctx, env.lb.keys.archiving('sp', 'alltime', 'all'), { old: 5, ada: 9 });
    await seedBoard(env.ctx, live, { ada: 3, new: 1 });
    const res = await env.lb.api.post('/games/sp/boards/alltime/reset', undefined, admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.players).toBe(3); // old, ada (best 9), new
    const archive = (await env.lb.api.get(`/games/sp/archives/${res.body.id}`)).body;
    expect(archive.standings.map((e: { player: string; score: number }) => [e.player, e.score])).toEqual([
      ['ada', 9],
      ['old', 5],
      ['new', 1],
    ]);
    expect(await env.ctx.redis.exists(live, env.lb.keys.archiving('sp', 'alltime', 'all'))).toBe(0);
  });
});
