// Runs one sale: a fresh event, N buyers through the race runner, and the numbers the lesson is
// about — seats sold, oversold, refused, and how long buyers waited.
import type { LabContext } from '../../../harness/context';
import { runRace, type ActorOutcome } from '../../../harness/race';
import type { BuyerArgs } from './buyer-actor';
import { createEvent, seatsSold } from './events-db';
import { createStrategy, type BuyResult, type StrategyName } from './strategies';

export interface SaleOptions {
  strategy: StrategyName;
  seats: number;
  buyers: number;
  /** Worker processes (0 = all buyers as async tasks in this process). */
  processes?: number;
  thinkMs?: number;
  /** How long a buyer waits for the lock before giving up (default: the lock's 10 s). */
  lockTimeoutMs?: number;
}

export interface SaleResult {
  strategy: StrategyName;
  seats: number;
  buyers: number;
  sold: number;
  oversold: number;
  refused: number;
  errors: string[];
  durationMs: number;
  p99WaitMs: number;
  /** Broken rules: more sold than seats, or seats left unsold while buyers were refused. */
  violations: string[];
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runSale(ctx: LabContext, opts: SaleOptions): Promise<SaleResult> {
  const thinkMs = opts.thinkMs ?? 2;
  const eventId = await createEvent(ctx.pg, `${opts.strategy} sale`, opts.seats);
  const strategy = createStrategy(opts.strategy, { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, thinkMs, newRedis: () => ctx.newRedis() });
  await strategy.prepare?.(eventId, opts.seats);
  await strategy.close?.();

  const args: BuyerArgs = {
    redisUrl: ctx.services.redis.url,
    databaseUrl: ctx.services.postgres.url,
    schema: ctx.schema,
    prefix: ctx.prefix,
    strategy: opts.strategy,
    eventId,
    thinkMs,
    lockTimeoutMs: opts.lockTimeoutMs,
  };
  const race = await runRace<BuyerArgs, BuyResult>({
    module: new URL('./buyer-actor.ts', import.meta.url),
    actors: opts.buyers,
    processes: opts.processes ?? 0,
    args,
    invariant: async () => {
      const { seats, sold } = await seatsSold(ctx.pg, eventId);
      const broken: string[] = [];
      if (sold > seats) broken.push(`oversold: ${sold} bookings for ${seats} seats`);
      if (sold < Math.min(seats, opts.buyers)) broken.push(`undersold: ${sold} of ${seats} seats sold to ${opts.buyers} buyers`);
      return broken;
    },
  });
  const { sold } = await seatsSold(ctx.pg, eventId);
  const ok = race.outcomes.filter((o): o is Extract<ActorOutcome<BuyResult>, { ok: true }> => o.ok);
  return {
    strategy: opts.strategy,
    seats: opts.seats,
    buyers: opts.buyers,
    sold,
    oversold: Math.max(0, sold - opts.seats),
    refused: ok.filter((o) => o.value.outcome !== 'sold').length,
    errors: race.outcomes.flatMap((o) => (o.ok ? [] : [o.error])),
    durationMs: race.durationMs,
    p99WaitMs: percentile(
      ok.map((o) => o.value.waitMs),
      99,
    ),
    violations: race.violations,
  };
}
