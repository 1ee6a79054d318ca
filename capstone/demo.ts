// `npm run lab capstone`: a narrated tour of the book review API — read-through caching, search with
// cached first pages, a write that invalidates exactly its book and its author's profile, two instances
// sharing one load and one invalidation, a cache trace, the leaderboards, the write limit, the metadata
// breaker opening, and a Redis outage served from
// Postgres. Ends by itself.
import { randomBytes } from 'node:crypto';
import pc from 'picocolors';
import type { LabContext } from '../harness/context';
import { startRedisServer } from '../harness/faults';
import { listen } from '../shared/http';
import { createServingRedis, servingRedisOptions, whenRedisReady } from '../shared/redis-client';
import { ensureSeeded, launch } from './src/launch';
import { DEMO_SEED, isSeeded } from './src/schema';

async function call(base: string, method: string, path: string, o: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {};
  if (o.token) headers.authorization = `Bearer ${o.token}`;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function runDemo(ctx: LabContext): Promise<void> {
  const say = (s: string) => console.log(`\n${pc.bold(pc.cyan('▸'))} ${s}`);
  const line = (s: string) => console.log(`  ${s}`);
  if (!(await isSeeded(ctx.pg))) say(`Seeding a demo catalogue (${DEMO_SEED.books.toLocaleString('en-US')} books) with COPY; \`npm run lab capstone -- serve\` seeds the full 50,000 / 500,000.`);
  await ensureSeeded(ctx, DEMO_SEED);
  const redis = ctx.newRedis(servingRedisOptions());
  await whenRedisReady(redis, 5000);
  // The tour's own admin key (serve reads CAPSTONE_ADMIN_KEY): the trace step needs one.
  const adminKey = randomBytes(16).toString('hex');
  const l = await launch(ctx, { redis, app: { adminKey, limits: [{ name: 'per-user', by: ['user'], capacity: 1000, refillPerSec: 100 }, { name: 'writes', by: ['user', 'endpoint'], endpoints: ['POST /reviews/:id/votes'], capacity: 3, refillPerSec: 0.1 }] }, service: { breaker: { minVolume: 4, coolDownMs: 30_000 } } });
  const http = await listen(l.app);
  const base = http.url;
  try {
    await l.service.boards.rebuild(l.service.db);
    const { rows } = await ctx.pg.query<{ id: string }>('SELECT id FROM books ORDER BY review_count DESC LIMIT 3');
    const [hot, other] = rows.map((r) => Number(r.id)) as [number, number];

    say(`Read-through: GET /books/${hot} twice (the most reviewed book).`);
    for (let i = 0; i < 2; i++) {
      const q0 = l.service.db.queries;
      const r = await call(base, 'GET', `/books/${hot}`);
      line(`X-Cache: ${pc.bold(r.headers.get('x-cache') ?? '')}  — ${l.service.db.queries - q0} Postgres queries; "${r.body.book.title}", ${r.body.rating.count} reviews, average ${r.body.rating.average}`);
    }
    const otherPage = await call(base, 'GET', `/books/${other}`);
    line(`(also cached: book ${other})`);

    say('Browse and search: GET /books?q=… — full-text search in Postgres, first pages cached by normalized query.');
    for (const q of ['golden river', 'River  GOLDEN']) {
      const r = await call(base, 'GET', `/books?q=${encodeURIComponent(q)}&sort=top-rated&limit=10`);
      line(`q="${q}" → X-Cache: ${pc.bold(r.headers.get('x-cache') ?? '')}; ${r.body.books.length} books, first "${r.body.books[0]?.title}"`);
    }

    const authors = [(await call(base, 'GET', `/books/${hot}`)).body.book.author.id as number, otherPage.body.book.author.id as number];
    for (const a of authors) await call(base, 'GET', `/authors/${a}`);
    say(`A new review invalidates exactly its book (page and review pages), its writer's profile and its author's profile (author ${authors[0]}), nothing else.`);
    const email = `demo-${randomBytes(3).toString('hex')}@example.test`;
    await call(base, 'POST', '/auth/register', { body: { email, password: 'demo password' } });
    const token = (await call(base, 'POST', '/auth/login', { body: { email, password: 'demo password' } })).body.accessToken as string;
    line(`registered ${email}; the session lives in Redis (5.3.2)`);
    const before = Number(await redis.zscore(l.service.keys.topRated, String(hot)));
    const made = await call(base, 'POST', `/books/${hot}/reviews`, { token, body: { rating: 1, body: 'Not for me.' } });
    line(`POST /books/${hot}/reviews → ${made.status}; book ${hot} now has ${made.body.rating.count} reviews`);
    for (const id of [hot, other]) {
      const r = await call(base, 'GET', `/books/${id}`);
      line(`GET /books/${id} → X-Cache: ${pc.bold(r.headers.get('x-cache') ?? '')}${id === hot ? ` (count ${r.body.rating.count}, the new review first: "${r.body.reviews.reviews[0].body}")` : ' (untouched)'}`);
    }
    for (const a of authors) {
      const r = await call(base, 'GET', `/authors/${a}`);
      line(`GET /authors/${a} → X-Cache: ${pc.bold(r.headers.get('x-cache') ?? '')}${a === authors[0] ? ' (invalidated: a rating of their book moved)' : ' (untouched)'}`);
    }
    const score = await redis.zscore(l.service.keys.topRated, String(hot));
    line(`top-rated board: book ${hot} score ${before} → ${Number(score)} (Bayesian average, version-guarded ZADD)`);

    say('Writes have a stricter per-route limit (5.3.1): votes, 3 in a burst.');
    const reviewId = (await call(base, 'GET', `/books/${other}/reviews?limit=10`)).body.reviews[0].id;
    for (let i = 0; i < 4; i++) {
      const r = await call(base, 'POST', `/reviews/${reviewId}/votes`, { token, body: { helpful: true } });
      line(`vote → ${r.status}  RateLimit: ${r.headers.get('ratelimit')}`);
    }

    say('The metadata service starts failing; the breaker (5.3.3) opens and pages say degraded: true.');
    l.metadata.behaviour.failureRate = 1;
    const { rows: cold } = await ctx.pg.query<{ id: string }>('SELECT id FROM books ORDER BY id DESC LIMIT 6');
    for (const { id } of cold) {
      const r = await call(base, 'GET', `/books/${id}`);
      line(`GET /books/${id} → ${r.status} degraded: ${r.body.degraded}, breaker ${l.service.breaker.current.state}`);
    }
    const calls = l.metadata.stats.requests;
    const r = await call(base, 'GET', `/books/${hot}`);
    line(`GET /books/${hot} → metadata ${JSON.stringify(r.body.metadata)} degraded: ${r.body.degraded} — still fresh in the cache, so no call was needed (+${l.metadata.stats.requests - calls} calls)`);
    const known = await l.service.cache.peek(l.service.keys.metadata(Number(cold[0]!.id)));
    line(`book ${cold[0]!.id} had no metadata cached before the failures: it answered metadata ${known ? 'from cache' : 'null'} with degraded: true`);
    l.metadata.behaviour.failureRate = 0;
    await l.service.breaker.reset('demo over');

    say('Two processes: instance B has its own L1 and Redis clients. A stampede across both makes ONE Postgres load; a write through A reaches B\'s L1 over pub/sub.');
    const bRedis = ctx.newRedis(servingRedisOptions());
    const b = await launch(ctx, { redis: bRedis, metadata: l.metadata, app: { limits: false } });
    const bHttp = await listen(b.app);
    try {
      const { rows: cool } = await ctx.pg.query<{ id: string }>('SELECT id FROM books ORDER BY review_count DESC OFFSET 10 LIMIT 1');
      const shared = Number(cool[0]!.id);
      // Not cached yet (an earlier tour may have left it in Redis).
      await redis.unlink(l.service.keys.bookPage(shared));
      l.service.cache.forgetLocal([l.service.keys.bookPage(shared)]);
      const q0 = l.service.db.queries + b.service.db.queries;
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => call(i % 2 ? bHttp.url : base, 'GET', `/books/${shared}`)));
      const tally = answers.reduce<Record<string, number>>((t, r) => ({ ...t, [r.headers.get('x-cache') ?? '']: (t[r.headers.get('x-cache') ?? ''] ?? 0) + 1 }), {});
      line(`20 concurrent GET /books/${shared}, 10 on each instance → ${l.service.db.queries + b.service.db.queries - q0} Postgres queries in all (one load: book + first review page); X-Cache ${JSON.stringify(tally)} (WAIT = served from Redis after the other instance's load)`);
      line(`B reads it again → X-Cache: ${pc.bold((await call(bHttp.url, 'GET', `/books/${shared}`)).headers.get('x-cache') ?? '')} (B's own L1)`);
      const drops = b.service.cache.bus?.remoteDrops ?? 0;
      const w = await call(base, 'POST', `/books/${shared}/reviews`, { token, body: { rating: 5, body: 'Written through instance A.' } });
      for (let i = 0; i < 50 && (b.service.cache.bus?.remoteDrops ?? 0) === drops; i++) await new Promise((r) => setTimeout(r, 10));
      const after = await call(bHttp.url, 'GET', `/books/${shared}`);
      line(`POST a review through A → ${w.status}; B got the invalidation message and dropped the page: B's next read → X-Cache: ${pc.bold(after.headers.get('x-cache') ?? '')}, count ${after.body.rating.count}`);
    } finally {
      await bHttp.close();
      await b.close();
    }

    say('Debugging: with the admin key, a request may ask for the cache decisions it caused (X-Cache-Trace: 1).');
    await redis.unlink(l.service.keys.reviewPage(other, '', 10));
    for (let i = 0; i < 2; i++) {
      const traced = await fetch(`${base}/books/${other}/reviews?limit=10`, { headers: { 'x-admin-key': adminKey, 'x-cache-trace': '1' } });
      line(`GET /books/${other}/reviews → X-Cache-Trace: ${traced.headers.get('x-cache-trace')}`);
    }
    const untraced = await fetch(`${base}/books/${other}`, { headers: { 'x-cache-trace': '1' } });
    line(`without the admin key → X-Cache-Trace: ${untraced.headers.get('x-cache-trace')} (never given)`);

    say('Redis outage (a private redis-server, stopped): reads go to Postgres, writes answer 503.');
    const server = await startRedisServer();
    const privateRedis = createServingRedis(server.url, { log: ctx.log, name: 'capstone-demo' });
    await whenRedisReady(privateRedis);
    const l2 = await launch(ctx, { redis: privateRedis, metadata: l.metadata, app: { limits: false } });
    const http2 = await listen(l2.app);
    try {
      const t2 = (await call(http2.url, 'POST', '/auth/login', { body: { email, password: 'demo password' } })).body.accessToken;
      await server.stop();
      const page = await call(http2.url, 'GET', `/books/${other}`);
      line(`GET /books/${other} → ${page.status}, X-Cache: ${page.headers.get('x-cache')} (from Postgres)`);
      const board = await call(http2.url, 'GET', '/leaderboards/top-rated?limit=10');
      line(`GET /leaderboards/top-rated → ${board.status}, source: ${board.body.source}`);
      const w = await call(http2.url, 'POST', `/reviews/${reviewId}/votes`, { token: t2, body: { helpful: true } });
      line(`POST a vote → ${w.status} ${w.body.error.code}, Retry-After: ${w.headers.get('retry-after')} (sessions fail closed)`);
    } finally {
      await http2.close();
      await l2.close();
      privateRedis.disconnect();
      await server.dispose();
    }
    say('Tour over. `npm run lab capstone -- serve` for curl and /docs; `npm run bench capstone -- --quick` for the numbers.');
  } finally {
    await http.close();
    await l.close();
  }
}
