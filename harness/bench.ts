// `npm run bench <id>`: runs the lab's benchmark in its own key prefix and schema, removes what it
// seeded, and writes the report. It also starts from an empty prefix and schema, so a run that was
// killed half-way (Ctrl-C twice, a closed terminal) cannot break the next one.
import path from 'node:path';
import pc from 'picocolors';
import { createContext, deleteByPrefix, quoteIdent, type LabContext } from './context';
import { servicesFor } from './define-lab';
import { loadLab, type LabEntry } from './labs';
import { progressBar } from './progress';
import { machineInfo, writeReport, type Report } from './report';
import { UsageError } from './usage-error';

export async function runBench(entry: LabEntry, argv: string[]): Promise<Report> {
  const def = await loadLab(entry);
  if (!def.bench) throw new UsageError(`lab ${entry.id} has no benchmark`);
  const quick = argv.includes('--quick');
  const safe = def.id.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase();
  const services = servicesFor(def, 'bench');
  const ctx = await createContext({ lab: def.id, prefix: `bench:${def.id}:`, schema: `bench_${safe}`, cleanup: true, services });
  process.once('SIGINT', () => void ctx.dispose().finally(() => process.exit(130)));
  try {
    await startClean(ctx, services.includes('postgres'));
    console.error(pc.bold(`bench ${def.id} — ${def.title}${quick ? ' (quick)' : ''}`));
    const result = await def.bench({ ctx, quick, argv: argv.filter((a) => a !== '--quick'), progress: progressBar });
    const report: Report = {
      lab: def.id,
      title: def.title,
      when: new Date().toISOString(),
      ...(quick ? { quick: true } : {}),
      machine: await machineInfo(ctx),
      metrics: result.metrics,
      ratios: result.ratios,
      ...(result.notes?.length ? { notes: result.notes } : {}),
    };
    const files = writeReport(report);
    for (const r of report.ratios) {
      const mark = r.pass === null ? ' ' : r.pass ? pc.green('✓') : pc.yellow('✗');
      console.log(`  ${mark} ${r.name.padEnd(48)} ${String(r.value).padStart(10)}  ${r.goal ? pc.dim(`goal ${r.goal}`) : ''}`);
    }
    console.log(pc.green(`wrote ${path.relative(process.cwd(), files.json)} and ${path.relative(process.cwd(), files.md)}`));
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
