// `npm run lab 5.2.4 [-- --only ttl,event] [--tick 50]`: every strategy runs the same script — two
// instances reading, a writer, then a deploy that changes the data behind the cache — and prints its timeline.
import Table from 'cli-table3';
import type { LabContext } from '../../harness/context';
import { parseArgsOrUsage, UsageError } from '../../harness/usage-error';
import { pickStrategies } from './src/registry';
import { DEFAULT_SCENARIO, runScenario } from './src/scenario';

// A typo in a flag is a usage mistake: the message and the usage line, no stack.
function parse(argv: string[]) {
  return parseArgsOrUsage({ args: argv, options: { only: { type: 'string' }, tick: { type: 'string' } }, allowPositionals: false }, 'usage: npm run lab 5.2.4 [-- --only ttl,event] [--tick 50]').values;
}

export async function runDemo(ctx: LabContext, argv: string[]): Promise<void> {
  const args = parse(argv);
  const tickMs = args.tick === undefined ? DEFAULT_SCENARIO.tickMs : Number(args.tick);
  if (!Number.isInteger(tickMs) || tickMs < 10 || tickMs > 500) throw new UsageError('--tick is a whole number of ms between 10 and 500');
  const chosen = pickStrategies(args.only);
  const opts = { ...DEFAULT_SCENARIO, tickMs };
  ctx.log.info(
    `the script: instances A and B read product 7 (and 17, same category) every ${tickMs} ms; A writes product 7 at ticks ${opts.writeTicks.join(' and ')}; ` +
      `then a deploy ships a migration that renamed every product in SQL, behind the cache. TTL ${opts.ttlMs} ms.`,
  );
  ctx.log.info('timeline: · fresh cache hit   d database read   S stale read   X wrong (pre-migration data)   | the deploy');
  const results = [];
  for (const def of chosen) {
    const r = await runScenario(ctx, def, opts);
    results.push(r);
    ctx.log.info(`${def.name}: ${def.promise}`);
    console.log(`  ${' '.repeat(14)}  ${r.timeline.writes}`);
    console.log(`  ${def.name.padEnd(14)}A ${r.timeline.A}`);
    console.log(`  ${''.padEnd(14)}B ${r.timeline.B}`);
  }
  const table = new Table({ head: ['strategy', 'stale reads', 'stale for (ms)', 'DB reads', 'wrong after deploy', 'DB agrees'] });
  for (const r of results) table.push([r.strategy, r.staleReads, r.staleForMs, r.dbReads, r.wrongReads, r.dbAgrees ? 'yes' : 'NO']);
  console.log(table.toString());
  ctx.log.info('stale = a read older than a write that had already returned; wrong = data the deploy\'s migration had replaced. Only versioned keys (and no cache) are right from the first read after the deploy.');
}
