// `npm run lab 5.2.B`: a narrated tour of the cache — tiers, stampede, grace, invalidation, stats.
// Two cache instances stand for two processes of one service; a movable clock shows TTL and grace
// without waiting.
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { waitFor } from '../../harness/ports';
import { UsageError } from '../../harness/usage-error';
import { connectSmartCache } from './src/cache';
import { createRepo, seed, type Product } from './src/service/db';

export async function runDemo(ctx: LabContext, argv: string[]): Promise<void> {
  try {
    parseArgs({ args: argv, options: {}, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nusage: npm run lab 5.2.B [-- serve --port N]`);
  }
  const say = (msg: string) => ctx.log.info(msg);
  await seed(ctx.pg);
  const repo = createRepo(ctx.pg);
  const base = ctx.keys.key('demo');
  await deleteByPrefix(ctx.redis, `${base}:`);
  let t = Date.now();
  const now = () => t;
  const opts = { keyBase: base, ttl: 30_000, grace: 300_000, now };
  const a = await connectSmartCache(ctx.services.redis.url, opts);
  const b = await connectSmartCache(ctx.services.redis.url, opts);
  let dbCalls = 0;
  const load = (id: number) => async () => {
    dbCalls++;
    return repo.product(id);
  };
  const product = (id: number) => ({ namespace: 'product', tags: ['product', `product:${id}`] });
  const timed = async <T>(fn: () => Promise<T>) => {
    const t0 = performance.now();
    const r = await fn();
    return { r, us: Math.round((performance.now() - t0) * 1000) };
  };

  try {
    say('── tiers: L1 (process memory) → L2 (Redis) → loader (Postgres)');
    for (const [who, c] of [['A', a], ['A', a], ['B', b], ['B', b]] as const) {
      const { r, us } = await timed(() => c.fetch('1', load(1), product(1)));
      say(`instance ${who} asks for product 1 → ${r.source.toUpperCase().padEnd(6)} in ${us} µs`);
    }
    const p = (await a.getOrSet('1', load(1), product(1))) as Product;
    say(`the cached product kept its types: priceCents is a ${typeof p.priceCents} (${p.priceCents}n), updatedAt a ${p.updatedAt.constructor.name} (superjson)`);

    say('── stampede: 100 callers (50 per instance) ask for cold product 2 at once');
    dbCalls = 0;
    await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).getOrSet('2', load(2), product(2))));
    say(`the database was asked ${dbCalls} time(s): single-flight inside each instance, a Redis lock (SET NX PX) between them`);

    say('── grace: 40 s later the entry is past its 30 s TTL but inside its 5 min grace');
    t += 40_000;
    dbCalls = 0;
    const stale = await timed(() => a.fetch('1', load(1), product(1)));
    say(`A answers at once with the ${stale.r.source.toUpperCase()} value (${stale.us} µs) and refreshes it in the background`);
    await waitFor(async () => (await a.fetch('1', load(1), product(1))).source === 'l1', { what: 'the refresh' });
    say(`one background refresh (${dbCalls} database call) and A serves fresh values again`);
    t += 40_000;
    const failing = await a.fetch('1', () => Promise.reject(new Error('database down')), { ...product(1), swr: false });
    say(`the database is down and the entry stale: A still answers (${failing.source.toUpperCase()}), not with an error`);

    say('── invalidation: a price change on instance A reaches B\'s L1 over the pub/sub bus');
    await b.getOrSet('3', load(3), product(3));
    say(`B has product 3 in its L1: ${b.l1!.get('product', '3') ? 'yes' : 'no'}`);
    await repo.setPrice(3, 4242n);
    const dropped = await a.invalidateTags(['product:3']);
    await waitFor(() => b.l1!.get('product', '3') === undefined, { what: "B's L1 to drop product 3" });
    const fresh = (await b.getOrSet('3', load(3), product(3))) as Product;
    say(`A invalidated tag product:3 (${dropped} key in Redis); B dropped its copy and reloaded: price ${fresh.priceCents}`);
    for (let i = 10; i < 30; i++) await a.getOrSet(String(i), load(i), product(i));
    say(`pattern 1? in namespace product (SCAN + batched UNLINK): ${await a.deletePattern('1?', { namespace: 'product' })} keys deleted`);
    say(`whole namespace product: ${await a.clearNamespace('product')} keys deleted`);

    say('── stats (instance A)');
    const s = a.stats.snapshot();
    const table = new Table({ head: ['tier', 'hits', 'misses', 'hit rate'] });
    for (const tier of ['l1', 'l2'] as const) table.push([tier, s.tiers[tier].hits, s.tiers[tier].misses, s.tiers[tier].hitRate]);
    console.log(table.toString());
    say(`loader calls ${s.loaderCalls}, loader errors ${s.loaderErrors}, stale serves ${s.staleServes}, L2 GET mean ${s.latencyMs.l2_get?.mean ?? '-'} ms`);
    say('next: `npm run lab 5.2.B -- serve` for the HTTP service (X-Cache / Age headers, /cache admin routes, /docs)');
  } finally {
    await a.close();
    await b.close();
    await deleteByPrefix(ctx.redis, `${base}:`);
  }
}
