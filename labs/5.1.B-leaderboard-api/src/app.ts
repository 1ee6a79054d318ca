// The leaderboard API: routes validate with the zod schemas of schemas.ts, call the pattern modules, and
// answer `{ error: { code, message, details } }` for anything wrong with the request.
import type { ErrorRequestHandler, Express } from 'express';
import type { RedisClient } from '../../../shared/redis-client';
import type pg from 'pg';
import type { Logger } from 'pino';
import { AppError, NotFoundError } from '../../../shared/errors';
import { isRedisUnavailable, RedisUnavailableError } from '../../../shared/redis-client';
import { createApp, finishApp, valid, validate } from '../../../shared/http';
import type { KeyBuilder } from '../../../shared/keys';
import { serveOpenApi } from '../../../shared/openapi';
import { createResetter, ensureArchiveTables, getArchive, listArchives } from './archive';
import { rankAround } from './around';
import { requireAdmin, type AdminAuth } from './auth';
import { decodeCursor, encodeCursor, readPage } from './cursor';
import { createEventHub, openSse } from './events';
import { lbKeys } from './keys';
import { createPageCache } from './page-cache';
import { currentPeriod, resolvePeriod, type BoardName } from './periods';
import * as S from './schemas';
import { playerHistory, playerStats } from './stats';
import { createSubmitter } from './submit';

export interface LeaderboardDeps {
  redis: RedisClient;
  /** A dedicated connection for pub/sub (it can do nothing else once subscribed). */
  subscriber: RedisClient;
  pg: pg.Pool;
  keys: KeyBuilder;
  auth: AdminAuth;
  /** The clock every period and timestamp comes from (tests pass their own). */
  now?: () => number;
  /** Past scores kept per player (default 50). */
  historyCap?: number;
  /** Micro-cache the first page of each board for this many ms (default 0: off). See page-cache.ts. */
  topCacheMs?: number;
  /** Where the error handler logs real failures (default: stderr). */
  log?: Logger;
  /** Open SSE streams per instance; one more is refused with 503 + Retry-After (default 1,000). */
  maxStreams?: number;
}

/** The top N the submit script publishes; SSE clients may ask for up to this many. */
export const EVENT_TOP_N = 10;

export async function createLeaderboardApp(deps: LeaderboardDeps): Promise<{ app: Express; close(): Promise<void> }> {
  const { redis, pg: pool } = deps;
  const now = deps.now ?? Date.now;
  const keys = lbKeys(deps.keys);
  await ensureArchiveTables(pool);
  const hub = createEventHub(deps.subscriber, keys.channelPattern);
  await hub.ready;
  const submit = createSubmitter(redis, keys, { now, historyCap: deps.historyCap ?? 50, eventTopN: EVENT_TOP_N });
  const reset = createResetter(redis, pool, keys, now);
  const admin = requireAdmin(deps.auth);
  const pages = createPageCache(deps.topCacheMs ?? 0, now);
  hub.onAny((event) => pages.invalidate(keys.board(event.game, event.board as BoardName, event.period)));
  const app = createApp({ name: 'lb_api' });
  // No ETag: hashing every 5 kB page costs more than it saves on a board that changes all the time.
  app.set('etag', false);
  const streams = new Set<() => void>();
  const maxStreams = deps.maxStreams ?? 1_000;
  if (deps.log) {
    const log = deps.log;
    app.use((req, _res, next) => {
      (req as typeof req & { log: Logger }).log = log;
      next();
    });
  }

  app.post('/games/:game/scores', validate({ params: S.GameParams, body: S.SubmitBody }), async (_req, res) => {
    const { params, body } = valid(res, { params: S.GameParams, body: S.SubmitBody });
    const result = await submit(params.game, body.player, body.score);
    // Read-your-writes on this instance; other instances drop their copy when the top-N event arrives.
    for (const [board, standing] of Object.entries(result.boards)) pages.invalidate(keys.board(params.game, board as BoardName, standing.period));
    res.status(201).json(result);
  });

  const pageSchemas = { params: S.BoardParams, query: S.PageQuery };
  app.get('/games/:game/boards/:board', validate(pageSchemas), async (_req, res) => {
    const { params, query } = valid(res, pageSchemas);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor, params.board);
    if (cursor && query.period !== undefined && query.period !== cursor.period) {
      throw new AppError(400, 'invalid_cursor', `cursor is for period ${cursor.period}, not ${query.period}`);
    }
    // A cursor pins its period: paging that began before midnight finishes on the same day's board.
    const period = resolvePeriod(params.board, now(), cursor?.period ?? query.period);
    const key = keys.board(params.game, params.board, period);
    const cached = cursor ? undefined : pages.get(key, query.limit);
    if (cached !== undefined) return void res.type('json').send(cached);
    const page = await readPage(redis, key, params.board, period, query.limit, cursor);
    const body = JSON.stringify({ game: params.game, board: params.board, period, entries: page.entries, nextCursor: page.next ? encodeCursor(page.next) : null });
    if (!cursor) pages.set(key, query.limit, body);
    res.type('json').send(body);
  });

  const aroundSchemas = { params: S.AroundParams, query: S.AroundQuery };
  app.get('/games/:game/boards/:board/around/:player', validate(aroundSchemas), async (_req, res) => {
    const { params, query } = valid(res, aroundSchemas);
    const period = resolvePeriod(params.board, now(), query.period);
    const around = await rankAround(redis, keys.board(params.game, params.board, period), params.player, query.n);
    if (!around) throw new NotFoundError(`${params.player} has no score on the ${params.board} board (${period})`);
    res.json({ game: params.game, board: params.board, period, ...around });
  });

  const eventSchemas = { params: S.BoardParams, query: S.EventsQuery };
  app.get('/games/:game/boards/:board/events', validate(eventSchemas), async (_req, res) => {
    const { params, query } = valid(res, eventSchemas);
    if (streams.size >= maxStreams) {
      res.set('Retry-After', '5');
      throw new AppError(503, 'too_many_streams', `this instance already serves ${maxStreams} event streams; try again shortly`);
    }
    const period = currentPeriod(params.board, now()).name;
    // Subscribe before reading the snapshot so no change falls between the two; changes that arrive
    // before the snapshot is written wait in `early`. Each event carries the whole top n, so a client
    // simply replaces its view with every event.
    let early: Array<[string, unknown]> | undefined = [];
    const emit = (name: string, data: unknown) => (early ? early.push([name, data]) : send(name, data));
    const off = hub.on(keys.channel(params.game), (event) => {
      if (event.board !== params.board) return;
      if (event.type === 'reset') emit('reset', event);
      else if ((event.rank ?? Infinity) <= query.n) emit('top', { ...event, top: event.top?.slice(0, query.n) });
    });
    let top;
    try {
      top = await readTop(keys.board(params.game, params.board, period), query.n);
    } catch (err) {
      off(); // no stream was opened: the error handler answers with a status
      throw err;
    }
    const end = () => res.end();
    streams.add(end);
    const send = openSse(res, () => {
      off();
      streams.delete(end);
    });
    send('snapshot', { game: params.game, board: params.board, period, top });
    for (const [name, data] of early) send(name, data);
    early = undefined;
  });

  app.post('/games/:game/boards/:board/reset', admin, validate({ params: S.BoardParams }), async (_req, res) => {
    const { params } = valid(res, { params: S.BoardParams });
    const archived = await reset(params.game, params.board);
    pages.invalidate(keys.board(params.game, params.board, archived.period));
    res.json(archived);
  });

  const listSchemas = { params: S.GameParams, query: S.ListQuery };
  app.get('/games/:game/archives', validate(listSchemas), async (_req, res) => {
    const { params, query } = valid(res, listSchemas);
    res.json({ archives: await listArchives(pool, params.game, query.limit) });
  });

  app.get('/games/:game/archives/:id', validate({ params: S.ArchiveParams }), async (_req, res) => {
    const { params } = valid(res, { params: S.ArchiveParams });
    const archive = await getArchive(pool, params.game, params.id);
    if (!archive) throw new NotFoundError(`no archive ${params.id} for game ${params.game}`);
    res.json(archive);
  });

  app.get('/games/:game/players/:player', validate({ params: S.PlayerParams }), async (_req, res) => {
    const { params } = valid(res, { params: S.PlayerParams });
    const stats = await playerStats(redis, keys, params.game, params.player, now());
    if (!stats) throw new NotFoundError(`${params.player} has not played ${params.game}`);
    res.json(stats);
  });

  const historySchemas = { params: S.PlayerParams, query: S.HistoryQuery };
  app.get('/games/:game/players/:player/history', validate(historySchemas), async (_req, res) => {
    const { params, query } = valid(res, historySchemas);
    const history = await playerHistory(redis, keys, params.game, params.player, query.limit);
    if (!history) throw new NotFoundError(`${params.player} has not played ${params.game}`);
    res.json({ game: params.game, player: params.player, history });
  });

  serveOpenApi(app, S.openApiRegistry(), { title: 'Leaderboard API (lab 5.1.B)', description: 'Daily, weekly and all-time boards on Redis sorted sets.' });
  app.use(storeUnavailable);
  finishApp(app);

  async function readTop(key: string, n: number) {
    const flat = await redis.zrevrange(key, 0, n - 1, 'WITHSCORES');
    const top: Array<{ rank: number; player: string; score: number }> = [];
    for (let i = 0; i < flat.length; i += 2) top.push({ rank: i / 2 + 1, player: flat[i]!, score: Number(flat[i + 1]) });
    return top;
  }

  return {
    app,
    async close() {
      for (const end of [...streams]) end();
      await hub.close();
    },
  };
}

/**
 * Redis (the store of record here) did not answer: a RedisUnavailableError, which the shared handler
 * answers with 503 + Retry-After and logs as one warn line without a stack.
 */
const storeUnavailable: ErrorRequestHandler = (err, _req, _res, next) => {
  next(!(err instanceof AppError) && isRedisUnavailable(err) ? new RedisUnavailableError('the leaderboard store is unavailable, try again shortly') : err);
};
