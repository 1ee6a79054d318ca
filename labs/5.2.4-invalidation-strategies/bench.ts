// `npm run bench 5.2.4 [-- --only=a,b] [--db-delay=N]`: a mixed read/write load per strategy, each
// compared with a no-cache run made just before it.
import Table from 'cli-table3';
import { clusterVsSingle } from '../../harness/cluster-bench';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { createCatalog } from './src/catalog';
import { round } from '../../harness/latency';
import { startLatencyProxy } from '../../harness/proxy';
import { ratio, type Metric, type Ratio } from '../../harness/report';
import { UsageError } from '../../harness/usage-error';
import { runMixedLoad, type MixedLoadResult } from './src/mixed-load';
import { pickStrategies, strategyByName } from './src/registry';
import { ENTRY_TTL_MS } from './src/strategies/write-behind';

const LONG_WRITE_THROUGH = 'write-through (write-behind\'s TTL)';

export async function runBench({ ctx, quick, progress, argv }: BenchApi): Promise<BenchResult> {
  const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const chosen = only ? ['no-cache', ...only.split(',').filter((n) => n !== 'no-cache')].map(strategyByName) : pickStrategies();
  const delayArg = argv.find((a) => a.startsWith('--db-delay='))?.slice('--db-delay='.length) ?? '1';
  const dbDelayMs = Number(delayArg);
  if (!Number.isFinite(dbDelayMs) || dbDelayMs < 0 || dbDelayMs > 50) throw new UsageError('--db-delay=N: ms added each way between the app and Postgres, 0 to 50');
  // Postgres on loopback answers a primary-key lookup about as fast as Redis answers a GET, which
  // hides what a cache is for. The app reaches Postgres through a proxy adding a delay each way, as a
  // database in another zone would; Redis stays local, as a sidecar or same-zone cache would.
  const pgUrl = new URL(ctx.services.postgres.url);
  const proxy = await startLatencyProxy({ targetHost: pgUrl.hostname, targetPort: Number(pgUrl.port || 5432), delayMs: dbDelayMs });
  ctx.onDispose(() => proxy.close());
  const pool = ctx.newPool({ connectionString: proxy.rewrite(ctx.services.postgres.url) });
  const opts = { products: quick ? 200 : 500, ops: quick ? 800 : 4000, concurrency: 8, writeRatio: 0.1, ttlMs: 500, pool };
  // Warm the JIT and both connection pools first, so the first strategy measured does not pay for it.
  await runMixedLoad(ctx, strategyByName('no-cache'), { ...opts, ops: Math.round(opts.ops / 4) });
  const results: MixedLoadResult[] = [];
  // Throughput on a shared machine drifts: each strategy is compared with a no-cache run made just
  // before it (half the operations), not with one made a minute earlier.
  const pairedBaseOps = new Map<string, number>();
  for (const def of chosen) {
    const bar = progress(def.name, opts.ops);
    if (def.name !== 'no-cache') {
      const paired = await runMixedLoad(ctx, strategyByName('no-cache'), { ...opts, ops: Math.round(opts.ops / 2) });
      pairedBaseOps.set(def.name, paired.opsPerSec);
    }
    results.push(await runMixedLoad(ctx, def, { ...opts, onProgress: () => bar.increment() }));
    bar.stop();
  }
  // Write-behind cannot let an entry expire while a write to it is queued, so its entries live
  // ENTRY_TTL_MS, not the shared TTL. Its fair rival is write-through at that same TTL.
  if (chosen.some((d) => d.name === 'write-behind')) {
    const longWriteThrough = { ...strategyByName('write-through'), name: LONG_WRITE_THROUGH };
    const bar = progress(LONG_WRITE_THROUGH, opts.ops);
    const paired = await runMixedLoad(ctx, strategyByName('no-cache'), { ...opts, ops: Math.round(opts.ops / 2) });
    pairedBaseOps.set(LONG_WRITE_THROUGH, paired.opsPerSec);
    results.push(await runMixedLoad(ctx, longWriteThrough, { ...opts, ttlMs: ENTRY_TTL_MS, onProgress: () => bar.increment() }));
    bar.stop();
  }
  // Redis Cluster: write-behind's write (entry merge + XADD in one script, one {write-behind} slot) on a
  // private cluster vs a private single server, alternating calls; its queue is never flushed here.
  const topology = await clusterVsSingle(ctx, {
    what: 'write-behind write',
    iterations: quick ? 300 : 3_000,
    setup: async (redis, keys) => {
      const s = await strategyByName('write-behind').create({ redis, newRedis: () => redis, keys, catalog: createCatalog(ctx.pg) });
      return (i) => s.write(1 + (Math.abs(i) % 50), { priceCents: 1_000 + Math.abs(i) }); // warm-up calls pass negative i
    },
  });
  const base = results.find((r) => r.strategy === 'no-cache')!;
  const speedup = (r: MixedLoadResult) => r.opsPerSec / (pairedBaseOps.get(r.strategy) ?? base.opsPerSec);
  const dbRate = (r: MixedLoadResult) => r.dbReads / r.seconds;
  const hit = (r: MixedLoadResult) => (r.reads ? 1 - r.dbReads / r.reads : 0);

  const table = new Table({ head: ['strategy', 'hit ratio', 'DB reads/s', 'worst staleness ms', 'stale reads', 'ops/s', 'p99 µs', 'DB reads ÷ no-cache', 'ops/s ÷ no-cache'] });
  const metrics: Metric[] = [];
  const ratios: Ratio[] = [];
  for (const r of results) {
    table.push([r.strategy, round(hit(r), 3), Math.round(dbRate(r)), r.worstStalenessMs, r.staleReads, r.opsPerSec, r.stats.p99, round(r.dbReads / base.dbReads, 3), round(speedup(r), 2)]);
    metrics.push({ name: `${r.strategy}: mixed op (value = DB reads/s)`, unit: 'µs', p50: r.stats.p50, p90: r.stats.p90, p99: r.stats.p99, max: r.stats.max, ops: r.opsPerSec, value: Math.round(dbRate(r)) });
    if (r === base) continue;
    if (r.strategy === LONG_WRITE_THROUGH) {
      const wb = results.find((x) => x.strategy === 'write-behind');
      if (wb) ratios.push(ratio('write-behind ÷ write-through at the same entry TTL: throughput', wb.opsPerSec / r.opsPerSec, undefined, 'both keep entries for write-behind\'s TTL; write-behind\'s flush to Postgres is inside the clock'));
    }
    ratios.push(
      ratio(`${r.strategy}: hit ratio`, hit(r)),
      ratio(`${r.strategy}: DB reads ÷ no-cache`, r.dbReads / base.dbReads),
      ratio(`${r.strategy}: throughput ÷ no-cache`, speedup(r), undefined, 'vs a no-cache run just before it'),
      ratio(`${r.strategy}: worst staleness (ms)`, r.worstStalenessMs),
    );
  }
  metrics.push(...topology.metrics);
  ratios.push(...topology.ratios);
  console.log(table.toString());
  return {
    metrics,
    ratios,
    notes: [
      `Postgres was reached through a proxy adding ${dbDelayMs} ms each way (a database in another zone; --db-delay=0 for loopback); Redis was local.`,
      `Each strategy ran the same ${opts.ops.toLocaleString('en-US')} operations (${Math.round(opts.writeRatio * 100)} % writes, skewed towards a hot set of ${opts.products} products) at concurrency ${opts.concurrency}, split over two app instances; TTL ${opts.ttlMs} ms, SWR stale window ${opts.ttlMs * 10} ms (a short TTL so that a run of a second or two spans several of them).`,
      'Throughput ÷ no-cache compares each strategy with a no-cache run of half the operations made just before it (the machine is shared; load drifts). Throughput is operations over the time until the work is done: background refreshes settled and write-behind\'s queue flushed to Postgres are inside the clock.',
      `Every strategy uses the same TTL except write-behind, whose entries must outlive any queued write to them (${ENTRY_TTL_MS / 60_000} minutes): it is compared with "${LONG_WRITE_THROUGH}", write-through at that same TTL, rather than with the short-TTL rows.`,
      'Cluster rows: write-behind\'s write on a private 3-master cluster with a replica each vs a private single server, alternating calls (no WAIT: durableReplicas 0; test/write-behind-failover.test.ts covers WAIT on a failover).',
      'Worst staleness: the longest time a read returned a price older than a write that had already returned when the read began.',
      'Metrics: one row per strategy; p50–max are the latency of one mixed operation, ops/s the throughput, value the database reads per second.',
      ...results.map((r) => `${r.strategy}: hit ratio ${round(hit(r), 3)}, ${Math.round(dbRate(r))} DB reads/s, ${r.staleReads} stale reads (worst ${r.worstStalenessMs} ms), ${r.opsPerSec} ops/s.`),
    ],
  };
}
