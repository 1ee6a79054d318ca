// The demo's script, identical for every strategy: two app instances (A and B) read a hot product and
// a bystander from its category every tick; A writes the hot product twice; then a deploy ships with a
// migration that renamed every product behind the cache's back. We record what readers saw.
import type { LabContext } from '../../../harness/context';
import { round } from '../../../harness/latency';
import { seedCatalog } from './catalog';
import { deploy } from './deployment';
import type { StrategyDefinition } from './strategy';

export interface ScenarioOptions {
  tickMs: number;
  /** Ticks before the deploy. */
  ticks: number;
  /** Ticks at which A writes the hot product. */
  writeTicks: number[];
  /** Ticks after the deploy. */
  deployTicks: number;
  ttlMs: number;
}

export const DEFAULT_SCENARIO: ScenarioOptions = { tickMs: 50, ticks: 40, writeTicks: [5, 27], deployTicks: 8, ttlMs: 1000 };

export interface ScenarioResult {
  strategy: string;
  reads: number;
  /** Reads of the hot product that returned a price older than the last finished write. */
  staleReads: number;
  /** The longest time (ms) between a write finishing and a reader still seeing the old price. */
  staleForMs: number;
  dbReads: number;
  /** Reads after the deploy that returned pre-migration data: wrong, not merely late. */
  wrongReads: number;
  /** After the workers drained, Postgres holds the last written price. */
  dbAgrees: boolean;
  /** One line per instance; `·` fresh hit, `d` database read, `S` stale, `X` wrong, `|` the deploy. */
  timeline: { writes: string; A: string; B: string };
}

const HOT = 7;
const BYSTANDER = 17; // same category (7) as the hot product
const MIGRATED = ' (v2)';

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

export async function runScenario(ctx: LabContext, def: StrategyDefinition, opts: ScenarioOptions = DEFAULT_SCENARIO): Promise<ScenarioResult> {
  await seedCatalog(ctx.pg, 40);
  const d = deploy(ctx, def, `demo:${def.name}`, { ttlMs: opts.ttlMs });
  await d.clearKeys();
  const worker = await d.startWorker({ separateProcess: true });
  let [a, b] = [await d.instance({ instance: 'A' }), await d.instance({ instance: 'B' })];
  const r: ScenarioResult = { strategy: def.name, reads: 0, staleReads: 0, staleForMs: 0, dbReads: 0, wrongReads: 0, dbAgrees: false, timeline: { writes: '', A: '', B: '' } };
  let expected = 1000 + HOT;
  let writeDoneAt = 0;
  const t0 = performance.now();

  const readBoth = async (judge: (p: { priceCents: number; name: string }) => 'S' | 'X' | undefined) => {
    for (const [label, inst] of [['A', a], ['B', b]] as const) {
      const before = d.catalog.stats.reads;
      const p = (await inst.read(HOT))!;
      await inst.read(BYSTANDER);
      r.reads += 2;
      const verdict = judge(p);
      r.timeline[label] += verdict ?? (d.catalog.stats.reads > before ? 'd' : '·');
    }
  };

  try {
    for (let tick = 0; tick < opts.ticks; tick++) {
      await sleepUntil(t0 + tick * opts.tickMs);
      if (opts.writeTicks.includes(tick)) {
        expected = 5000 + tick;
        await a.write(HOT, { priceCents: expected });
        writeDoneAt = performance.now();
      }
      r.timeline.writes += opts.writeTicks.includes(tick) ? 'W' : ' ';
      await readBoth((p) => {
        if (p.priceCents === expected) return undefined;
        r.staleReads++;
        r.staleForMs = Math.max(r.staleForMs, performance.now() - writeDoneAt);
        return 'S';
      });
    }

    // The deploy: a migration rewrites rows directly in SQL, and new instances (cache version 2) start.
    await worker?.drain?.();
    await ctx.pg.query(`UPDATE products SET name = name || $1`, [MIGRATED]);
    await Promise.all([a.close(), b.close()]);
    [a, b] = [await d.instance({ instance: 'A', cacheVersion: 2 }), await d.instance({ instance: 'B', cacheVersion: 2 })];
    r.timeline.writes += ' ';
    r.timeline.A += '|';
    r.timeline.B += '|';
    const t1 = performance.now();
    for (let tick = 0; tick < opts.deployTicks; tick++) {
      await sleepUntil(t1 + tick * opts.tickMs);
      r.timeline.writes += ' ';
      await readBoth((p) => {
        if (p.name.endsWith(MIGRATED)) return undefined;
        r.wrongReads++;
        return 'X';
      });
    }

    await Promise.all([a.settle?.(), b.settle?.()]);
    await worker?.drain?.();
    r.dbReads = d.catalog.stats.reads;
    const { rows } = await ctx.pg.query<{ price_cents: number }>('SELECT price_cents FROM products WHERE id = $1', [HOT]);
    r.dbAgrees = rows[0]?.price_cents === expected;
    r.staleForMs = round(r.staleForMs, 1);
    return r;
  } finally {
    await d.close();
    await d.clearKeys();
  }
}
