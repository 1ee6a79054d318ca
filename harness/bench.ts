// `npm run bench <id>`: runs the lab's benchmark in its own key prefix and schema, removes what it
// seeded, and writes the report. It also starts from an empty prefix and schema, so a run that was
// killed half-way (Ctrl-C twice, a closed terminal) cannot break the next one.
// The report goes to the user's own runs (.workbook/runs, git-ignored); the committed reference in
// docs/reports changes only with --reference, for maintainers re-measuring.
import path from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { createContext, deleteByPrefix, quoteIdent, type LabContext } from './context';
import { servicesFor } from './define-lab';
import { loadLab, type LabEntry } from './labs';
import { progressBar } from './progress';
import { combineRounds, machineInfo, verdictOf, writeReport, writeRun, type Report } from './report';
import { UsageError } from './usage-error';

export interface BenchFlags {
  quick: boolean;
  rounds: number;
  reference: boolean;
  label?: string;
  /** What is left for the lab's own bench flags. */
  rest: string[];
}

/** The harness's own bench flags; anything else is the lab's. */
export function benchFlags(argv: string[], defaultRounds = 3): BenchFlags {
  const { values, tokens } = parseArgs({
    args: argv,
    options: { quick: { type: 'boolean' }, rounds: { type: 'string' }, reference: { type: 'boolean' }, label: { type: 'string' } },
    strict: false,
    tokens: true,
  });
  const mine = new Set(['quick', 'rounds', 'reference', 'label']);
  const drop = new Set<number>();
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || !mine.has(t.name)) continue;
    drop.add(t.index);
    if ((t.name === 'rounds' || t.name === 'label') && !t.inlineValue) drop.add(t.index + 1);
  }
  const quick = values.quick === true;
  const rounds = values.rounds === undefined ? (quick ? 1 : defaultRounds) : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20) throw new UsageError(`--rounds must be a whole number from 1 to 20, got ${String(values.rounds)}`);
  const label = typeof values.label === 'string' ? values.label : process.env.WORKBOOK_LABEL || undefined;
  return { quick, rounds, reference: values.reference === true, label, rest: argv.filter((_, i) => !drop.has(i)) };
}

export async function runBench(entry: LabEntry, argv: string[], dirs: { reports?: string; runs?: string } = {}): Promise<Report> {
  const def = await loadLab(entry);
  if (!def.bench) throw new UsageError(`lab ${entry.id} has no benchmark`);
  const flags = benchFlags(argv, def.benchRounds);
  const { quick, rounds } = flags;
  const safe = def.id.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase();
  const services = servicesFor(def, 'bench');
  const ctx = await createContext({ lab: def.id, prefix: `bench:${def.id}:`, schema: `bench_${safe}`, cleanup: true, services });
  process.once('SIGINT', () => void ctx.dispose().finally(() => process.exit(130)));
  try {
    console.error(pc.bold(`bench ${def.id} — ${def.title}${quick ? ' (quick)' : ''}${rounds > 1 ? `, ${rounds} rounds` : ''}`));
    const results = [];
    for (let round = 1; round <= rounds; round++) {
      if (rounds > 1) console.error(pc.dim(`round ${round} of ${rounds}`));
      await startClean(ctx, services.includes('postgres'));
      results.push(await def.bench({ ctx, quick, argv: flags.rest, progress: progressBar }));
    }
    const result = combineRounds(results);
    const machine = await machineInfo(ctx);
    const report: Report = {
      lab: def.id,
      title: def.title,
      when: new Date().toISOString(),
      ...(quick ? { quick: true } : {}),
      rounds,
      machine: { ...machine, label: flags.label ?? machine.host },
      metrics: result.metrics,
      ratios: result.ratios,
      ...(result.notes?.length ? { notes: result.notes } : {}),
    };
    const files = flags.reference ? writeReport(report, dirs.reports) : writeRun(report, dirs.runs);
    for (const r of report.ratios) {
      const v = verdictOf(r);
      const mark = v === '' ? ' ' : v === 'met' ? pc.green('✓') : v === 'missed' ? pc.yellow('✗') : pc.yellow('~');
      const spread = r.rounds && r.rounds.length > 1 ? pc.dim(` [${r.low} – ${r.high}]`) : '';
      console.log(`  ${mark} ${r.name.padEnd(48)} ${String(r.value).padStart(10)}${spread}  ${r.goal ? pc.dim(`goal ${r.goal}${v === 'within noise' ? ', within noise' : ''}`) : ''}`);
    }
    console.log(pc.green(`wrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.md)}`));
    if (!flags.reference) console.log(pc.dim('your run sits beside the reference in `npm run report`; docs/reports changes only with --reference'));
    return report;
  } finally {
    await ctx.dispose();
  }
}

/** Removes whatever an earlier, interrupted run of this bench left under its prefix and schema. */
async function startClean(ctx: LabContext, usesPostgres: boolean): Promise<void> {
  await deleteByPrefix(ctx.redis, ctx.prefix);
  if (!usesPostgres) return;
  await ctx.pg.query(`DROP SCHEMA IF EXISTS ${quoteIdent(ctx.schema)} CASCADE`);
  await ctx.pg.query(`CREATE SCHEMA ${quoteIdent(ctx.schema)}`);
}
