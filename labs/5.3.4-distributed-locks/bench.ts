// `npm run bench 5.3.4`: purchases per second and wait p99 for every strategy at 1, 10 and 100
// concurrent buyers, against the unlocked baseline measured in the same run.
import { clusterVsSingle } from '../../harness/cluster-bench';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { LatencyRecorder, median } from '../../harness/latency';
import { latencyMetric, ratioOfRounds, type Metric, type Ratio } from '../../harness/report';
import { createEvent, createSchema } from './src/events-db';
import { RedisLock } from './src/lock';
import { percentile } from './src/sale';
import { createStrategy, STRATEGY_NAMES, type StrategyName } from './src/strategies';

const CONCURRENCY = [1, 10, 100];

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  await createSchema(ctx.pg);
  const purchases = quick ? 100 : 400;
  const rounds = quick ? 2 : 3;
  const thinkMs = 1;
  const metrics: Metric[] = [];
  const ratios: Ratio[] = [];
  // Per cell and round: successful purchases per second (a refusal or a give-up is not a purchase).
  const rates = new Map<string, number[]>();
  const latency = new Map<string, LatencyRecorder>();
  const waits = new Map<string, number[]>();
  const outcomes = new Map<string, Record<string, number>>();
  const bar = progress('warm-up, then rounds × concurrency × strategies', STRATEGY_NAMES.length * (1 + rounds * CONCURRENCY.length));

  const cell = async (name: StrategyName, c: number, count: number, record: boolean) => {
    // Seats for everyone: this measures the cost of coordination, not of selling out.
    const eventId = await createEvent(ctx.pg, `bench ${name} ${c}`, count);
    const strategy = createStrategy(name, { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, thinkMs, newRedis: () => ctx.newRedis() });
    await strategy.prepare?.(eventId, count);
    const key = `${name}@${c}`;
    const recorder = latency.get(key) ?? new LatencyRecorder();
    const cellWaits = waits.get(key) ?? [];
    const tally = outcomes.get(key) ?? {};
    let next = 0;
    let sold = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (next < count) {
          const i = next++;
          const start = process.hrtime.bigint();
          const r = await strategy.buy(eventId, `b${i}`);
          if (r.outcome === 'sold') sold++;
          if (!record) continue;
          recorder.recordNanos(process.hrtime.bigint() - start);
          cellWaits.push(r.waitMs);
          tally[r.outcome] = (tally[r.outcome] ?? 0) + 1;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    await strategy.close?.();
    bar.increment();
    if (!record) return;
    latency.set(key, recorder);
    waits.set(key, cellWaits);
    outcomes.set(key, tally);
    rates.set(key, [...(rates.get(key) ?? []), sold / seconds]);
  };

  // Warm-up: every strategy once (JIT, connections, prepared statements), not counted.
  for (const name of STRATEGY_NAMES) await cell(name, 10, Math.min(50, purchases), false);
  // Rounds: the order of strategies rotates each round, so drift in the machine's load is shared.
  for (let r = 0; r < rounds; r++) {
    for (const c of CONCURRENCY) {
      const order = STRATEGY_NAMES.map((_, i) => STRATEGY_NAMES[(i + r) % STRATEGY_NAMES.length]!);
      for (const name of order) await cell(name, c, purchases, true);
    }
  }
  bar.stop();

  for (const c of CONCURRENCY) {
    for (const name of STRATEGY_NAMES) {
      const key = `${name}@${c}`;
      const w = waits.get(key)!;
      metrics.push({ ...latencyMetric(`${name}, ${c} concurrent: purchase latency`, latency.get(key)!.stats()), ops: round(median(rates.get(key)!)) });
      metrics.push({ name: `${name}, ${c} concurrent: wait for the right to buy`, unit: 'ms', p50: round(percentile(w, 50)), p99: round(percentile(w, 99)) });
    }
    const base = rates.get(`no-lock@${c}`)!;
    for (const name of STRATEGY_NAMES.filter((n): n is Exclude<StrategyName, 'no-lock'> => n !== 'no-lock')) {
      const mine = rates.get(`${name}@${c}`)!;
      const notSold = Object.entries(outcomes.get(`${name}@${c}`)!).filter(([o]) => o !== 'sold');
      ratios.push(ratioOfRounds(`${name} / no-lock successful purchases/s at ${c} concurrent`, mine.map((x, i) => x / base[i]!), undefined, notSold.length ? `not sold: ${notSold.map(([o, n]) => `${n} ${o}`).join(', ')}` : undefined));
    }
  }
  // Redis Cluster: acquire + release (the lock and its fence counter share a {resource} tag, one slot)
  // on a private cluster against a private single server.
  const topology = await clusterVsSingle(ctx, {
    what: 'lock acquire + release',
    iterations: quick ? 300 : 3_000,
    setup: async (redis, keys) => {
      const locks = new RedisLock(redis, keys);
      return async (i) => (await locks.acquire(`bench-topology:${i % 100}`, { timeoutMs: 0 })).release();
    },
  });
  metrics.push(...topology.metrics);
  ratios.push(...topology.ratios);

  return {
    metrics,
    ratios,
    notes: [
      `${purchases} purchase attempts per cell with ${thinkMs} ms of "payment" inside the critical section, seats for everyone (so nothing sells out); a warm-up sale per strategy first, then ${rounds} rounds over 1, 10 and 100 buyers with the strategies' order rotating each round.`,
      'Throughput counts successful purchases only (a refusal, a give-up or a fenced write is not a sale), per second of the cell; each ratio is the median of same-round ratios to no-lock, with their range. The ops column of a latency row is that median rate.',
      'Wait is what each strategy itself spends before it may buy: acquiring the Redis lock (with retries), waiting for the row lock (for-update; the pool queue for one of 10 connections is not in it), or WATCH/MULTI retries including their think time (watch-multi).',
      'A lock serializes the critical section: at 1 buyer a Redis lock adds its acquire and release round trips (fencing also its transaction: BEGIN, the token claim, a recount, the insert, COMMIT); at 100 it caps throughput near 1 / critical-section time, which no-lock only beats by overselling.',
    ],
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
