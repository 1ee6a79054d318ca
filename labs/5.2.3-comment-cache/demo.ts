// `npm run lab 5.2.3`: the comment cache narrated — load, write-through, dynamic TTL, stampede with and
// without protection, stale serving, XFetch, bulk import, counters.
import Table from 'cli-table3';
import { parseArgs } from 'node:util';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { round } from '../../harness/latency';
import { UsageError } from '../../harness/usage-error';
import { importComments, type BulkMode } from './src/bulk';
import { CommentCache, type CommentCacheOptions } from './src/comment-cache';
import { describeRule } from './src/dynamic-ttl';
import { createCommentStore, type CommentStore, type NewComment } from './src/store';

const since = (t0: number) => `${round(performance.now() - t0, 2)} ms`;

export function commentsFor(postIds: number[], n: number): Array<NewComment & { postId: number }> {
  return Array.from({ length: n }, (_, i) => ({ postId: postIds[i % postIds.length]!, author: `user${i % 97}`, body: `Comment #${i}: ${'lorem ipsum '.repeat(1 + (i % 5))}` }));
}

export async function resetLabData(ctx: LabContext, store: CommentStore): Promise<void> {
  await store.ensureSchema();
  await ctx.pg.query('TRUNCATE comments RESTART IDENTITY');
  await deleteByPrefix(ctx.redis, `${ctx.keys.prefix}${ctx.keys.lab}:`);
}

export async function demo(ctx: LabContext, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { 'load-delay': { type: 'string', default: '150' } }, strict: false });
  const loadDelayMs = Number(values['load-delay']);
  if (!Number.isInteger(loadDelayMs) || loadDelayMs < 0) throw new UsageError(`--load-delay must be a whole number of ms, got ${values['load-delay']}`);
  const { log } = ctx;
  const store = createCommentStore(ctx.pg);
  const slowStore = createCommentStore(ctx.newPool({ max: 10 }), { loadDelayMs });
  await resetLabData(ctx, store);
  const make = (opts: Partial<CommentCacheOptions> = {}) => new CommentCache({ redis: ctx.redis, store, keys: ctx.keys, ...opts });
  const cache = make();
  log.info(`dynamic TTL rule — ${describeRule(cache.rule)}`);

  // 1. Miss, then hit.
  await store.insertMany(commentsFor([1], 20));
  let t0 = performance.now();
  let r = await cache.read(1);
  log.info(`post 1: ${r.comments.length} comments — ${r.source} from Postgres, list cached (${r.tier}): ${since(t0)}`);
  t0 = performance.now();
  r = await cache.read(1);
  log.info(`post 1 again — ${r.source} from Redis: ${since(t0)}`);

  // 2. Write-through.
  const loadsBefore = cache.localStats().loads ?? 0;
  t0 = performance.now();
  const added = await cache.addComment(1, { author: 'ada', body: 'Great post!' });
  log.info(`write-through: comment ${added.id} inserted in Postgres and appended to the cached list: ${since(t0)}`);
  r = await cache.read(1);
  log.info(`post 1 — ${r.source}, ${r.comments.length} comments, last by ${r.comments.at(-1)?.author}; database loads since the write: ${(cache.localStats().loads ?? 0) - loadsBefore}`);

  // 3. Dynamic TTL.
  const ttlLine = async () => `tier ${(await cache.meta(1))?.tier}, PTTL ${round((await cache.pttl(1)) / 1000, 1)} s`;
  log.info(`post 1 before a burst of reads: ${await ttlLine()}`);
  for (let i = 0; i < 60; i++) {
    await cache.read(1);
    if (i === 10) log.info(`  after ${i + 1} more reads: ${await ttlLine()}`);
  }
  log.info(`  after 60 more reads: ${await ttlLine()}  (the TTL includes ${60} s of stale grace)`);

  // 4. Stampede on a cold key, with and without protection.
  await store.insertMany(commentsFor([2, 3], 40));
  for (const [postId, protection] of [
    [2, true],
    [3, false],
  ] as const) {
    const a = make({ store: slowStore, protection });
    const b = make({ store: slowStore, protection }); // a second "process": its own single-flight
    const before = (await a.stats()).loads ?? 0;
    t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).read(postId)));
    const loads = ((await a.stats()).loads ?? 0) - before;
    const bySource = results.reduce<Record<string, number>>((m, x) => ({ ...m, [x.source]: (m[x.source] ?? 0) + 1 }), {});
    log.info(`stampede ${protection ? 'WITH' : 'WITHOUT'} protection: 100 readers of cold post ${postId} (query takes ${loadDelayMs} ms) → ${loads} database load(s), ${since(t0)}; answers: ${JSON.stringify(bySource)}`);
  }

  // 5. Stale while one reloads (a movable clock makes the list expire without waiting).
  let now = Date.now();
  const clocked = make({ now: () => now, store: slowStore });
  await clocked.read(2);
  now += 16 * 60_000;
  t0 = performance.now();
  const stale = await Promise.all(Array.from({ length: 50 }, () => clocked.read(2)));
  log.info(`post 2 past its expiry: 50 readers answered at once from the stale list (${stale.filter((x) => x.source === 'stale').length} stale) in ${since(t0)}; one reload runs in the background…`);
  await clocked.idle();
  log.info(`  …done: next read is a ${(await clocked.read(2)).source}`);

  // 6. XFetch: readers near expiry refresh early, before anyone sees a miss.
  now = Date.now();
  const xf = make({ now: () => now, store: slowStore, xfetch: { beta: 1 } });
  await ctx.redis.del(xf.keys.list(3));
  await xf.read(3);
  const loadsBefore3 = xf.localStats().loads ?? 0;
  const meta = await xf.meta(3);
  now = meta!.exp - meta!.delta * 2;
  await Promise.all(Array.from({ length: 50 }, () => xf.read(3)));
  await xf.idle();
  log.info(`XFetch: 50 reads 2 load-times (${meta!.delta} ms each) before expiry → ${xf.localStats().early_refreshes ?? 0} chose to refresh early, ${(xf.localStats().loads ?? 0) - loadsBefore3} reload ran (lock + single-flight), nobody saw a miss`);

  // 7. Bulk import: pipelines vs one round trip per command.
  const posts = Array.from({ length: 100 }, (_, i) => 1_000 + i);
  for (const p of posts) await cache.read(p); // cached (empty) threads, so the import appends to them
  for (const mode of ['sequential', 'pipeline', 'multi'] as BulkMode[]) {
    const res = await importComments(store, ctx.redis, cache.keys, commentsFor(posts, 10_000), mode);
    const how = { sequential: 'round trips, one after another', pipeline: 'pipeline(s)', multi: 'MULTI transactions (one per post, sent together)' }[mode];
    log.info(`import 10,000 comments (${mode.padEnd(10)}): Postgres ${round(res.dbMs, 0)} ms (one INSERT … unnest), cache ${round(res.cacheMs, 0)} ms in ${res.roundTrips.toLocaleString()} ${how}`);
  }
  log.info('if a write-through cannot update Redis, the post\'s list is deleted (or, when Redis is unreachable, this process reads that post from Postgres until the delete succeeds): a list missing a comment is never served');

  const s = await cache.stats();
  const table = new Table({ head: ['counter (all processes, Redis hash)', 'value'] });
  for (const k of ['hits', 'misses', 'stale_served', 'loads', 'writes', 'invalidations', 'ttl_changes', 'stampede_waits', 'early_refreshes', 'fill_skipped', 'db_fallbacks'] as const) table.push([k, s[k] ?? 0]);
  console.log(table.toString());
}
