// The HTTP API. Cacheable reads answer with X-Cache (HIT-L1, HIT, STALE, MISS, BYPASS); private
// responses say Cache-Control: private, no-store and never touch the shared cache. Writes need a
// session and pay the stricter write limit.
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { RedisClient } from '../../shared/redis-client';
import { AppError, ForbiddenError, NotFoundError } from '../../shared/errors';
import { createApp, finishApp, valid, validate } from '../../shared/http';
import type { KeyBuilder } from '../../shared/keys';
import { OpenAPIRegistry, serveOpenApi } from '../../shared/openapi';
import type { CacheOutcome } from './cache';
import type { Behaviour as MetadataBehaviour } from './metadata-service';
import { createMonitoring } from './monitoring';
import { bookPageJson } from './page-json';
import { cacheTrace, hasAdminKey } from './trace';
import { createRateLimit, DEFAULT_LIMITS, type PolicyInput } from './rate-limits';
import * as S from './schemas';
import type { BookService } from './service';
import { identifyUser, requireUser } from './sessions';

export interface AppOptions {
  service: BookService;
  redis: RedisClient;
  keys: KeyBuilder;
  /** Rate-limit policies; false = none (the bench measures caching, not limiting). */
  limits?: PolicyInput[] | false;
  /** Needed for /admin routes; without it they answer 403. */
  adminKey?: string;
  /** The metadata service's knobs, when this process started it (demo, serve). */
  metadataBehaviour?: MetadataBehaviour;
  now?: () => number;
}

export function createBookApp(opts: AppOptions) {
  const { service } = opts;
  const app = createApp({ name: 'capstone' });
  service.registerMetrics(app.locals.metrics);
  // Latency by route, and the admin-only cache trace (X-Cache-Trace: 1), for every route below.
  const monitor = createMonitoring(app.locals.metrics, service, { redis: opts.redis, adminKey: opts.adminKey });
  app.use(monitor.timer, cacheTrace(opts.adminKey));
  const registry = new OpenAPIRegistry();
  const limit: RequestHandler = opts.limits === false ? (_q, _s, next) => next() : createRateLimit(opts.redis, opts.keys, opts.limits ?? DEFAULT_LIMITS, { now: opts.now, log: service.opts.log, stats: monitor.limitStats });
  const user = requireUser(service.auth);
  const who = identifyUser(service.auth);
  const doc = (method: 'get' | 'post' | 'patch' | 'delete', path: string, summary: string, request: Record<string, unknown> = {}) =>
    registry.registerPath({ method, path: path.replace(/:(\w+)/g, '{$1}'), summary, request: request as never, responses: { 200: { description: 'OK' } } });
  const cached = (res: Response, outcome: CacheOutcome) => res.set('X-Cache', outcome).set('Cache-Control', 'public, max-age=0');
  const userId = (res: Response) => Number(res.locals.auth.userId);

  doc('post', '/auth/register', 'Create an account', { body: { content: { 'application/json': { schema: S.Credentials } } } });
  app.post('/auth/register', who, limit, validate({ body: S.Credentials }), async (_req, res) => {
    const { email, password } = valid(res, { body: S.Credentials }).body;
    res.status(201).json(await service.auth.register(email, password));
  });
  doc('post', '/auth/login', 'Log in: an access token whose session lives in Redis', { body: { content: { 'application/json': { schema: S.Credentials } } } });
  app.post('/auth/login', who, limit, validate({ body: S.Credentials }), async (_req, res) => {
    const { email, password } = valid(res, { body: S.Credentials }).body;
    res.set('Cache-Control', 'no-store').json(await service.auth.login(email, password));
  });
  doc('post', '/auth/logout', 'End this session');
  app.post('/auth/logout', user, async (_req, res) => {
    await service.auth.logout(res.locals.auth);
    res.status(204).end();
  });
  doc('post', '/auth/logout-all', 'End every session of this user');
  app.post('/auth/logout-all', user, async (_req, res) => {
    await service.auth.logoutAll(res.locals.auth);
    res.status(204).end();
  });
  doc('get', '/me', 'Your profile (private: never cached shared)');
  app.get('/me', user, limit, async (_req, res) => {
    const me = await service.db.user(userId(res));
    if (!me) throw new NotFoundError('no such user');
    res.set('Cache-Control', 'private, no-store').json(me);
  });

  doc('get', '/users/:id', 'A user\'s public profile: display name, review count, helpful votes received, newest reviews (cached; never the email)', { params: S.UserParams });
  app.get('/users/:id', who, limit, validate({ params: S.UserParams }), async (_req, res) => {
    const { profile, outcome } = await service.userProfile(valid(res, { params: S.UserParams }).params.id);
    cached(res, outcome).json(profile);
  });
  doc('get', '/users/:id/reviews', 'A user\'s newest reviews with their public profile, cursor pagination (cached per user)', { params: S.UserParams, query: S.ReviewsQuery });
  app.get('/users/:id/reviews', who, limit, validate({ params: S.UserParams, query: S.ReviewsQuery }), async (_req, res) => {
    const v = valid(res, { params: S.UserParams, query: S.ReviewsQuery });
    const { page, outcome } = await service.userReviews(v.params.id, v.query.cursor, v.query.limit);
    cached(res, outcome).json(page);
  });
  doc('get', '/authors/:id', 'An author and their books with rating summaries (cached per author)', { params: S.AuthorParams });
  app.get('/authors/:id', who, limit, validate({ params: S.AuthorParams }), async (_req, res) => {
    const { profile, outcome } = await service.authorProfile(valid(res, { params: S.AuthorParams }).params.id);
    cached(res, outcome).json(profile);
  });

  doc('get', '/books', 'Browse and search books: q (title/author words, prefix match), genre, year range, sort, cursor pagination; first pages cached', { query: S.BookListQuery });
  app.get('/books', who, limit, validate({ query: S.BookListQuery }), async (_req, res) => {
    const { cursor, ...filter } = valid(res, { query: S.BookListQuery }).query;
    const { page, outcome } = await service.browse(filter, cursor);
    cached(res, outcome).json(page);
  });
  doc('get', '/books/:id', 'Book page: book, rating summary, first page of reviews, metadata', { params: S.BookParams });
  app.get('/books/:id', who, limit, validate({ params: S.BookParams }), async (_req, res) => {
    const { page, outcome, meta } = await service.bookPage(valid(res, { params: S.BookParams }).params.id);
    cached(res, outcome).type('json').send(bookPageJson(page, meta));
  });
  doc('get', '/books/:id/reviews', 'Reviews of a book, newest first, cursor pagination', { params: S.BookParams, query: S.ReviewsQuery });
  app.get('/books/:id/reviews', who, limit, validate({ params: S.BookParams, query: S.ReviewsQuery }), async (_req, res) => {
    const v = valid(res, { params: S.BookParams, query: S.ReviewsQuery });
    const { page, outcome } = await service.reviewPage(v.params.id, v.query.cursor, v.query.limit);
    cached(res, outcome).json(page);
  });
  doc('post', '/books/:id/reviews', 'Write a review (one per user per book)', { params: S.BookParams, body: { content: { 'application/json': { schema: S.NewReview } } } });
  app.post('/books/:id/reviews', user, limit, validate({ params: S.BookParams, body: S.NewReview }), async (_req, res) => {
    const v = valid(res, { params: S.BookParams, body: S.NewReview });
    const w = await service.createReview(v.params.id, userId(res), v.body.rating, v.body.body);
    res.status(201).json({ review: w.review, rating: { count: w.summary.count, sum: w.summary.sum } });
  });
  doc('patch', '/reviews/:id', 'Edit your review', { params: S.ReviewParams, body: { content: { 'application/json': { schema: S.EditReview } } } });
  app.patch('/reviews/:id', user, limit, validate({ params: S.ReviewParams, body: S.EditReview }), async (_req, res) => {
    const v = valid(res, { params: S.ReviewParams, body: S.EditReview });
    const w = await service.editReview(v.params.id, userId(res), v.body);
    res.json({ review: w.review });
  });
  doc('delete', '/reviews/:id', 'Delete your review', { params: S.ReviewParams });
  app.delete('/reviews/:id', user, limit, validate({ params: S.ReviewParams }), async (_req, res) => {
    await service.deleteReview(valid(res, { params: S.ReviewParams }).params.id, userId(res));
    res.status(204).end();
  });
  doc('post', '/reviews/:id/votes', 'Vote a review helpful or not (one vote per user, replaceable)', { params: S.ReviewParams, body: { content: { 'application/json': { schema: S.Vote } } } });
  app.post('/reviews/:id/votes', user, limit, validate({ params: S.ReviewParams, body: S.Vote }), async (_req, res) => {
    const v = valid(res, { params: S.ReviewParams, body: S.Vote });
    res.json(await service.vote(v.params.id, userId(res), v.body.helpful));
  });

  doc('get', '/leaderboards/top-reviewers', 'Reviewers by helpful votes received', { query: S.BoardQuery });
  app.get('/leaderboards/top-reviewers', who, limit, validate({ query: S.BoardQuery }), async (_req, res) => {
    const { entries, outcome, source } = await service.topReviewers(valid(res, { query: S.BoardQuery }).query.limit);
    cached(res, outcome).json({ board: 'top-reviewers', source, entries });
  });
  doc('get', '/leaderboards/:board', 'Top-rated (Bayesian average, minimum review count) or most reviewed this week', { params: S.BoardParams, query: S.BoardQuery });
  app.get('/leaderboards/:board', who, limit, validate({ params: S.BoardParams, query: S.BoardQuery }), async (_req, res) => {
    const v = valid(res, { params: S.BoardParams, query: S.BoardQuery });
    const { entries, outcome, source } = await service.leaderboard(v.params.board, v.query.limit);
    cached(res, outcome).json({ board: v.params.board, source, entries });
  });

  doc('get', '/health', 'What is up and what is degraded: 200 ok or degraded (still answering), 503 when Postgres is down');
  doc('get', '/dashboard', 'Live dashboard (its data needs the admin key)');
  monitor.mount(app);

  const admin: RequestHandler = (req, _res, next) => (hasAdminKey(req, opts.adminKey) ? next() : next(new ForbiddenError('admin key required')));
  doc('post', '/admin/metadata-behaviour', 'Make the metadata service slow or failing (admin key)', { body: { content: { 'application/json': { schema: S.Behaviour } } } });
  app.post('/admin/metadata-behaviour', admin, validate({ body: S.Behaviour }), (_req, res) => {
    if (!opts.metadataBehaviour) throw new NotFoundError('this process does not run the metadata service');
    Object.assign(opts.metadataBehaviour, valid(res, { body: S.Behaviour }).body);
    res.json(opts.metadataBehaviour);
  });
  doc('post', '/admin/rebuild-leaderboards', 'Recompute the boards from Postgres and report the drift (admin key)');
  app.post('/admin/rebuild-leaderboards', admin, async (_req, res) => {
    res.json({ drift: await service.boards.rebuild(service.db) });
  });

  // Every deliberate 503 (database or session store away) tells the client when to retry.
  app.use(((err, _req, res, next) => {
    if (err instanceof AppError && err.status === 503) res.set('Retry-After', '1');
    next(err);
  }) as ErrorRequestHandler);

  serveOpenApi(app, registry, { title: 'Capstone: book review API', description: 'Every pattern of the workbook in one service.' });
  finishApp(app);
  return app;
}
