// Routes and rules that are not the exercises: validation, admin protection, reset with its archive,
// archives, SSE snapshots and reset events across instances, OpenAPI, 404s. These pass on the starter too
// (boards are seeded directly instead of through the submit exercise).
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../../harness/faults';
import { listen } from '../../../shared/http';
import { createLeaderboardApp } from '../src/app';
import { apiClient } from '../src/client';
import { signToken } from '../src/auth';
import { openEventStream } from '../src/client';
import { ensureArchiveTables } from '../src/archive';
import { AUTH, fails, ok, seedBoard, useApi } from './helpers';

const env = useApi({ second: true });

const admin = { 'x-api-key': AUTH.apiKey };

describe('validation', () => {
  it('rejects bad score submissions with 400 and the shared error body', async () => {
    const bad: unknown[] = [
      {},
      { player: 'ada' },
      { score: 10 },
      { player: 'ada', score: '10' },
      { player: 'ada', score: -1 },
      { player: 'ada', score: 1e13 },
      { player: 'ada', score: 10, extra: true },
      { player: 'has space', score: 10 },
      { player: 'x'.repeat(65), score: 10 },
      [1, 2],
    ];
    for (const body of bad) {
      const r = await env.lb.api.post('/games/v/scores', body);
      fails(r, 400);
      expect(r.body.error.details, JSON.stringify(body)).toBeDefined();
    }
    fails(await env.lb.api.post('/games/v/scores', '{"player": "ada", "score":'), 400, 'invalid_json');
    fails(await env.lb.api.post('/games/v/scores', 'null'), 400, 'invalid_json');
    fails(await env.lb.api.post('/games/Bad_Game!/scores', { player: 'ada', score: 1 }), 400, 'validation_failed');
  });

  it('rejects bad parameters and queries on every route with 400', async () => {
    const paths = [
      '/games/v/boards/monthly',
      '/games/v/boards/alltime?limit=0',
      '/games/v/boards/alltime?limit=101',
      '/games/v/boards/alltime?limit=ten',
      '/games/v/boards/daily?period=yesterday',
      '/games/v/boards/alltime/around/ada?n=26',
      '/games/v/boards/alltime/around/bad%20name',
      '/games/v/boards/alltime/events?n=11',
      '/games/v/players/ada/history?limit=0',
      '/games/v/players/bad%20name',
      '/games/v/archives?limit=-1',
      '/games/v/archives/abc',
      '/games/-v/boards/alltime',
    ];
    for (const path of paths) fails(await env.lb.api.get(path), 400, 'validation_failed');
    fails(await env.lb.api.post('/games/v/boards/monthly/reset', undefined, admin), 400, 'validation_failed');
  });

  it('answers 404 for unknown routes, players and archives, and for expired periods', async () => {
    fails(await env.lb.api.get('/nowhere'), 404, 'not_found');
    fails(await env.lb.api.get('/games/v/players/nobody'), 404, 'not_found');
    fails(await env.lb.api.get('/games/v/players/nobody/history'), 404, 'not_found');
    fails(await env.lb.api.get('/games/v/archives/999999'), 404, 'not_found');
    fails(await env.lb.api.get('/games/v/boards/alltime/around/ada?period=2030-01-14'), 404, 'not_found');
  });
});

describe('admin reset', () => {
  it('needs credentials (401) and the admin role (403)', async () => {
    fails(await env.lb.api.post('/games/a1/boards/alltime/reset'), 401, 'unauthorized');
    fails(await env.lb.api.post('/games/a1/boards/alltime/reset', undefined, { 'x-api-key': 'wrong' }), 401, 'invalid_api_key');
    fails(await env.lb.api.post('/games/a1/boards/alltime/reset', undefined, { authorization: 'Bearer not.a.jwt' }), 401, 'invalid_token');
    const forged = await signToken('another-secret-of-at-least-32-bytes', 'mallory', 'admin');
    fails(await env.lb.api.post('/games/a1/boards/alltime/reset', undefined, { authorization: `Bearer ${forged}` }), 401, 'invalid_token');
    const player = await signToken(AUTH.jwtSecret, 'ada', 'player');
    fails(await env.lb.api.post('/games/a1/boards/alltime/reset', undefined, { authorization: `Bearer ${player}` }), 403, 'forbidden');
  });

  it('archives the final standings in Postgres, then empties the board', async () => {
    const key = env.lb.keys.board('a2', 'alltime', 'all');
    await seedBoard(env.ctx, key, { ada: 30, bob: 20, cy: 10 });
    const summary = ok(await env.lb.api.post('/games/a2/boards/alltime/reset', undefined, admin));
    expect(summary).toMatchObject({ game: 'a2', board: 'alltime', period: 'all', players: 3 });
    expect(await env.ctx.redis.exists(key, env.lb.keys.archiving('a2', 'alltime', 'all'))).toBe(0);
    const archive = ok(await env.lb.api.get(`/games/a2/archives/${summary.id}`));
    expect(archive.standings).toEqual([
      { rank: 1, player: 'ada', score: 30 },
      { rank: 2, player: 'bob', score: 20 },
      { rank: 3, player: 'cy', score: 10 },
    ]);
    const { rows } = await env.ctx.pg.query('SELECT count(*)::int AS n FROM lb_archive_entry WHERE archive_id = $1', [summary.id]);
    expect(rows[0].n).toBe(3);
    // an admin JWT works too; the second archive of the (now empty) board has no players
    const token = await signToken(AUTH.jwtSecret, 'root', 'admin');
    const again = ok(await env.lb.api.post('/games/a2/boards/alltime/reset', undefined, { authorization: `Bearer ${token}` }));
    expect(again.players).toBe(0);
    expect(ok(await env.lb.api.get('/games/a2/archives')).archives.map((a: { id: number }) => a.id)).toEqual([again.id, summary.id]);
  });

  it('answers 409 while another reset of the same board is archiving', async () => {
    await seedBoard(env.ctx, env.lb.keys.board('a3', 'alltime', 'all'), { ada: 1 });
    await seedBoard(env.ctx, env.lb.keys.archiving('a3', 'alltime', 'all'), { old: 5 });
    await env.ctx.redis.set(env.lb.keys.resetLock('a3', 'alltime', 'all'), '1', 'PX', 60_000); // that reset's lock
    fails(await env.lb.api.post('/games/a3/boards/alltime/reset', undefined, admin), 409, 'conflict');
    expect(await env.ctx.redis.zscore(env.lb.keys.board('a3', 'alltime', 'all'), 'ada')).toBe('1');
  });

  it('leaves the board as it was (503) when the archive cannot be written', async () => {
    const key = env.lb.keys.board('a4', 'alltime', 'all');
    await seedBoard(env.ctx, key, { ada: 30, bob: 20 });
    await env.ctx.pg.query('DROP TABLE lb_archive_entry');
    try {
      fails(await env.lb.api.post('/games/a4/boards/alltime/reset', undefined, admin), 503, 'archive_unavailable');
    } finally {
      await ensureArchiveTables(env.ctx.pg);
    }
    expect(await env.ctx.redis.zrevrange(key, 0, -1, 'WITHSCORES')).toEqual(['ada', '30', 'bob', '20']);
    expect(await env.ctx.redis.exists(env.lb.keys.archiving('a4', 'alltime', 'all'))).toBe(0);
  });
});

describe('server-sent events', () => {
  it('sends a snapshot of the top n, then reset events from any instance', async () => {
    await seedBoard(env.ctx, env.lb.keys.board('s1', 'alltime', 'all'), { ada: 3, bob: 2, cy: 1 });
    const stream = await openEventStream(`${env.other.url}/games/s1/boards/alltime/events?n=2`);
    try {
      expect(stream.status).toBe(200);
      const snapshot = await stream.take((e) => e.event === 'snapshot');
      expect(snapshot.data).toEqual({ game: 's1', board: 'alltime', period: 'all', top: [{ rank: 1, player: 'ada', score: 3 }, { rank: 2, player: 'bob', score: 2 }] });
      const summary = ok(await env.lb.api.post('/games/s1/boards/alltime/reset', undefined, admin)); // on the other instance
      expect((await stream.take((e) => e.event === 'reset')).data).toMatchObject({ type: 'reset', board: 'alltime', archiveId: summary.id });
    } finally {
      stream.close();
    }
  });
});

describe('store unavailable', () => {
  it('answers 503 with the error body, not a 500, when Redis is down', async () => {
    const server = await startRedisServer();
    const clients = [0, 1].map(() => new Redis(server.url, { maxRetriesPerRequest: 1, retryStrategy: () => 20 }));
    clients.forEach((c) => c.on('error', () => {}));
    const lb = await createLeaderboardApp({ redis: clients[0]!, subscriber: clients[1]!, pg: env.ctx.pg, keys: env.ctx.keys, auth: AUTH, log: env.ctx.log });
    const http = await listen(lb.app);
    try {
      const api = apiClient(http.url);
      fails(await api.get('/games/d/players/ada'), 404, 'not_found');
      await server.stop();
      fails(await api.get('/games/d/players/ada'), 503, 'service_unavailable');
      fails(await api.get('/games/d/boards/alltime/events'), 503, 'service_unavailable');
    } finally {
      await http.close();
      clients.forEach((c) => c.disconnect());
      await lb.close();
      await server.dispose();
    }
  });
});

describe('openapi', () => {
  it('documents every route from the zod schemas at /openapi.json and serves /docs', async () => {
    const doc = ok(await env.lb.api.get('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/games/{game}/archives',
      '/games/{game}/archives/{id}',
      '/games/{game}/boards/{board}',
      '/games/{game}/boards/{board}/around/{player}',
      '/games/{game}/boards/{board}/events',
      '/games/{game}/boards/{board}/reset',
      '/games/{game}/players/{player}',
      '/games/{game}/players/{player}/history',
      '/games/{game}/scores',
    ]);
    expect(doc.paths['/games/{game}/scores'].post.requestBody.content['application/json'].schema.properties.score.type).toBe('integer');
    const docs = await fetch(`${env.lb.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});
