// The bench's load: the same mixed read/write stream against one strategy (two app instances taking
// turns), recording database reads and how stale any read was. Staleness is judged against the bench's
// own log of finished writes: a read is stale when a newer write had finished before the read began.
import type pg from 'pg';
import { seededRandom } from '../../../harness/seed/zipf';
import type { LabContext } from '../../../harness/context';
import { measure, type LatencyStats } from '../../../harness/latency';
import { seedCatalog } from './catalog';
import { deploy } from './deployment';
import type { StrategyDefinition } from './strategy';

export interface MixedLoadOptions {
  products: number;
  ops: number;
  concurrency: number;
  /** Share of operations that are writes (0.1 = 90/10). */
  writeRatio: number;
  ttlMs: number;
  /** The Postgres the strategies use (default ctx.pg); seeding always goes direct. */
  pool?: pg.Pool;
  onProgress?: (done: number) => void;
}

export interface MixedLoadResult {
  strategy: string;
  reads: number;
  writes: number;
  dbReads: number;
  staleReads: number;
  /** ms between the newer write finishing and the start of the stalest read. */
  worstStalenessMs: number;
  /** Wall time from the first operation until the work is done (refreshes settled, queues flushed). */
  seconds: number;
  /** Operations over that whole time: the throughput compared across strategies. */
  opsPerSec: number;
  stats: LatencyStats;
}

export async function runMixedLoad(ctx: LabContext, def: StrategyDefinition, opts: MixedLoadOptions): Promise<MixedLoadResult> {
  await seedCatalog(ctx.pg, opts.products);
  const d = deploy(ctx, def, `bench:${def.name}`, { ttlMs: opts.ttlMs }, opts.pool);
  await d.clearKeys();
  const worker = await d.startWorker();
  const instances = [await d.instance({ instance: 'A' }), await d.instance({ instance: 'B' })];

  // Per product: the prices written so far, in commit order, and when each write finished.
  const history = new Map<number, Array<{ price: number; doneAt: number }>>();
  const versionOf = new Map<number, number>(); // price -> its index in the product's history
  for (let id = 1; id <= opts.products; id++) {
    history.set(id, [{ price: 1000 + id, doneAt: 0 }]);
    versionOf.set(1000 + id, 0);
  }
  const writing = new Map<number, Promise<unknown>>(); // writes to one product run one at a time
  const rnd = seededRandom(42); // the same operations for every strategy
  const plan = Array.from({ length: opts.ops }, () => {
    const r = rnd();
    // Skewed towards low ids: a hot set, as real catalogs have.
    return { id: 1 + Math.floor(opts.products * r ** 3), write: rnd() < opts.writeRatio };
  });
  let reads = 0;
  let writes = 0;
  let staleReads = 0;
  let worst = 0;
  let nextPrice = 100_000;

  // Warm the cache with one read of every product, so the hit ratio is the steady state, not the cold start.
  for (let id = 1; id <= opts.products; id++) await instances[id % 2]!.read(id);
  d.catalog.resetStats();
  const started = performance.now();
  const stats = await measure(
    async (i) => {
      const { id, write } = plan[i]!;
      const inst = instances[i % 2]!;
      const log = history.get(id)!;
      if (write) {
        writes++;
        const price = nextPrice++;
        const prev = writing.get(id) ?? Promise.resolve();
        const job = prev.then(async () => {
          // Known before the write starts: a reader may see it while the write is still in flight.
          versionOf.set(price, log.length);
          await inst.write(id, { priceCents: price });
          log.push({ price, doneAt: performance.now() });
        });
        writing.set(id, job.catch(() => {}));
        await job;
        return;
      }
      reads++;
      const begin = performance.now();
      const latest = log.length - 1;
      const p = await inst.read(id);
      const seen = versionOf.get(p?.priceCents ?? -1);
      if (seen === undefined) throw new Error(`product ${id} read a price nobody wrote: ${p?.priceCents}`);
      if (seen < latest) {
        staleReads++;
        worst = Math.max(worst, begin - log[seen + 1]!.doneAt);
      }
    },
    { iterations: opts.ops, concurrency: opts.concurrency, warmup: 0, onProgress: opts.onProgress },
  );
  const dbReads = d.catalog.stats.reads;
  // The clock stops only when the work is done: background refreshes settled and write-behind's
  // queue flushed to Postgres, or a strategy that defers its writes would look faster than it is.
  await Promise.all(instances.map((s) => s.settle?.()));
  await worker?.drain?.(30_000);
  const seconds = (performance.now() - started) / 1000;
  await d.close();
  await d.clearKeys();
  return { strategy: def.name, reads, writes, dbReads, staleReads, worstStalenessMs: Math.round(worst), seconds, opsPerSec: Math.round(opts.ops / seconds), stats };
}
