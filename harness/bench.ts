// `npm run bench <id>`: runs the lab's benchmark in its own key prefix and schema, removes what it
// seeded, and writes the report.
import path from 'node:path';
import pc from 'picocolors';
import { createContext } from './context';
import { loadLab, type LabEntry } from './labs';
import { progressBar } from './progress';
import { machineInfo, writeReport, type Report } from './report';

export async function runBench(entry: LabEntry, argv: string[]): Promise<Report> {
  const def = await loadLab(entry);
  if (!def.bench) throw new Error(`lab ${entry.id} has no benchmark`);
  const quick = argv.includes('--quick');
  const safe = def.id.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase();
  const ctx = await createContext({ lab: def.id, prefix: `bench:${def.id}:`, schema: `bench_${safe}`, cleanup: true, services: def.services });
  process.once('SIGINT', () => void ctx.dispose().finally(() => process.exit(130)));
  try {
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
