// `npm run lab 5.3.4`: one sale per strategy — 300 buyers in two worker processes for 50 seats —
// then the paused-client scenario with and without fencing.
import Table from 'cli-table3';
import type { LabContext } from '../../harness/context';
import { UsageError } from '../../harness/usage-error';
import { createSchema } from './src/events-db';
import { pausedClient } from './src/paused-client';
import { runSale } from './src/sale';
import { createStrategy, STRATEGY_NAMES } from './src/strategies';

export async function runDemo(ctx: LabContext, argv: string[] = []): Promise<void> {
  if (argv.length) throw new UsageError(`unknown arguments: ${argv.join(' ')} (the demo takes none: npm run lab 5.3.4)`);
  await ctx.pg.query('DROP TABLE IF EXISTS seat_holders, bookings, events');
  await createSchema(ctx.pg);
  ctx.log.info('300 buyers in 2 worker processes try to buy one of 50 seats; each takes 2 ms to "pay" between checking and booking');

  const table = new Table({ head: ['strategy', 'how', 'sold', 'oversold', 'refused', 'duration', 'p99 wait'] });
  for (const name of STRATEGY_NAMES) {
    const r = await runSale(ctx, { strategy: name, seats: 50, buyers: 300, processes: 2, thinkMs: 2 });
    const how = createStrategy(name, { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, thinkMs: 2, newRedis: () => ctx.newRedis() }).description;
    table.push([name, how, r.sold, r.oversold ? `${r.oversold} ✗` : '0', r.refused, `${Math.round(r.durationMs)} ms`, `${r.p99WaitMs.toFixed(1)} ms`]);
    ctx.log.info(`${name}: ${r.sold} sold for 50 seats${r.oversold ? ` — OVERSOLD by ${r.oversold}` : ''}${r.errors.length ? `, ${r.errors.length} errors` : ''}`);
  }
  console.log(table.toString());

  ctx.log.info('The paused client: A locks seat 1 (100 ms lease), stalls past it; B locks, takes the seat; A wakes and writes.');
  for (const fencing of [false, true]) {
    const r = await pausedClient(ctx, fencing);
    ctx.log.info(
      `${fencing ? 'with fencing   ' : 'without fencing'}: tokens A=${r.tokens.a} B=${r.tokens.b}; A's stale write ${r.staleWriteAccepted ? 'ACCEPTED' : 'refused'}; seat 1 belongs to ${r.holder}${r.holder === 'A' ? ' (B paid for it!)' : ''}`,
    );
  }
}
