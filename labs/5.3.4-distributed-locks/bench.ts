// `npm run bench 5.3.4`: purchases per second and wait p99 for every strategy at 1, 10 and 100
// concurrent buyers, against the unlocked baseline measured in the same run.
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { LatencyRecorder } from '../../harness/latency';
import { latencyMetric, ratio, type Metric, type Ratio } from '../../harness/report';
import { createEvent, createSchema } from './src/events-db';
import { percentile } from './src/sale';
import { createStrategy, STRATEGY_NAMES, type StrategyName } from './src/strategies';

const CONCURRENCY = [1, 10, 100];

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  await createSchema(ctx.pg);
  const purchases = quick ? 100 : 400;
  const thinkMs = 1;
  const metrics: Metric[] = [];
  const ratios: Ratio[] = [];
  const throughput = new Map<string, number>();
  const bar = progress('strategies × concurrency', STRATEGY_NAMES.length * CONCURRENCY.length);

  for (const c of CONCURRENCY) {
    for (const name of STRATEGY_NAMES) {
      // Seats for everyone: this measures the cost of coordination, not of selling out.
      const eventId = await createEvent(ctx.pg, `bench ${name} ${c}`, purchases);
      const strategy = createStrategy(name, { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, thinkMs, newRedis: () => ctx.newRedis() });
      await strategy.prepare?.(eventId, purchases);
      const recorder = new LatencyRecorder();
      const waits: number[] = [];
      let next = 0;
      recorder.start();
      await Promise.all(
        Array.from({ length: c }, async () => {
          while (next < purchases) {
            const i = next++;
            const t0 = process.hrtime.bigint();
            const r = await strategy.buy(eventId, `b${i}`);
            recorder.recordNanos(process.hrtime.bigint() - t0);
            waits.push(r.waitMs);
          }
        }),
      );
      recorder.stop();
      await strategy.close?.();
      const stats = recorder.stats();
      throughput.set(`${name}@${c}`, stats.opsPerSec);
      metrics.push({ ...latencyMetric(`${name}, ${c} concurrent: purchase latency`, stats) });
      metrics.push({ name: `${name}, ${c} concurrent: wait for the right to buy`, unit: 'ms', p50: round(percentile(waits, 50)), p99: round(percentile(waits, 99)) });
      bar.increment();
    }
  }
  bar.stop();
  for (const c of CONCURRENCY) {
    const base = throughput.get(`no-lock@${c}`)!;
    for (const name of STRATEGY_NAMES.filter((n): n is Exclude<StrategyName, 'no-lock'> => n !== 'no-lock')) {
      ratios.push(ratio(`${name} / no-lock purchases/s at ${c} concurrent`, throughput.get(`${name}@${c}`)! / base));
    }
  }
  return {
    metrics,
    ratios,
    notes: [
      `${purchases} purchases per cell with ${thinkMs} ms of "payment" inside the critical section, seats for everyone (so nothing sells out).`,
      'Throughput is purchases/s of the whole run (the ops column of each latency row). Wait is what each strategy itself spends before it may buy: acquiring the Redis lock (with retries), waiting for the row lock (for-update; the pool queue for one of 10 connections is not in it), or WATCH/MULTI retries including their think time (watch-multi).',
      'A lock serializes the critical section: at 1 buyer a Redis lock adds its acquire and release round trips (fencing also its transaction: BEGIN, the token claim, a recount, the insert, COMMIT); at 100 it caps throughput near 1 / critical-section time, which no-lock only beats by overselling.',
    ],
  };
}

const round = (n: number) => Math.round(n * 100) / 100;
