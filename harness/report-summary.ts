// `npm run report [-- other.json …]`: the reference reports (docs/reports), the user's latest run of each
// lab (.workbook/runs) and any other machines' files, side by side. Every column says what it is:
// machine, cpus, versions, date, quick or full. Charts: one per ratio, one overview per lab.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { labOverview, ratioChart } from './report-charts';
import { REPORTS_DIR, runLabel, RUNS_DIR, verdictOf, type Report } from './report';
import { UsageError } from './usage-error';

export interface LabeledReport {
  /** The column heading: where the numbers come from and what kind of run they are. */
  source: string;
  report: Report;
}

/** Where `npm run report` writes, unless told to refresh the committed reference summary. */
export const SUMMARY_DIR = path.resolve(RUNS_DIR, '..', 'report');

const isReport = (r: unknown): r is Report => Boolean(r && typeof (r as Report).lab === 'string' && Array.isArray((r as Report).ratios));

export function readReports(dir = REPORTS_DIR): Report[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown)
    .filter(isReport);
}

/** The newest run of each lab in the user's runs folder. */
export function readLatestRuns(dir = RUNS_DIR): Report[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const files = readdirSync(path.join(dir, d.name)).filter((f) => f.endsWith('.json')).sort();
      const last = files.at(-1);
      if (!last) return [];
      const r = JSON.parse(readFileSync(path.join(dir, d.name, last), 'utf8')) as unknown;
      return isReport(r) ? [r] : [];
    });
}

/** Reads extra report files; each may hold one report or an array of them. */
export function readReportFiles(files: string[]): LabeledReport[] {
  return files.flatMap((file) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`${file}: not a readable JSON report (${(err as Error).message})`);
    }
    return (Array.isArray(parsed) ? parsed : [parsed]).map((report) => {
      if (!isReport(report)) throw new UsageError(`${file}: not a workbook report (no lab/ratios)`);
      return { source: `${runLabel(report)} (${path.basename(file)})`, report };
    });
  });
}

/** Columns: the reference, then the user's runs, then other files, each labelled by what it is. */
export function labelSources(reference: Report[], runs: Report[], others: LabeledReport[]): LabeledReport[] {
  return [
    ...reference.map((report) => ({ source: `reference: ${runLabel(report)}`, report })),
    ...runs.map((report) => ({ source: `your run: ${runLabel(report)}`, report })),
    ...others,
  ];
}

export interface Summary {
  markdown: string;
  charts: Array<{ file: string; svg: string }>;
}

const cell = (r: Report['ratios'][number] | undefined) => {
  if (!r) return '—';
  const v = verdictOf(r);
  const spread = r.rounds && r.rounds.length > 1 ? ` [${r.low}–${r.high}]` : '';
  return `${r.value}${spread}${v === 'met' ? ' ✓' : v === 'missed' ? ' ✗' : v === 'within noise' ? ' ~' : ''}`;
};

export async function summarize(all: LabeledReport[]): Promise<Summary> {
  const labs = [...new Set(all.map((x) => x.report.lab))].sort(compareLabIds);
  const lines = [
    '# Benchmark summary',
    '',
    'Ratios measured in one run are what compare across machines. ✓ met beyond the run-to-run range, ~ within noise (the goal lies inside the range), ✗ missed; [low–high] is the range over the rounds.',
    '',
  ];
  const charts: Summary['charts'] = [];
  for (const lab of labs) {
    const entries = all.filter((x) => x.report.lab === lab);
    const title = entries[0]!.report.title;
    const quickBesideFull = entries.some((x) => x.report.quick) && entries.some((x) => !x.report.quick);
    lines.push(`## ${lab} — ${title}`, '');
    lines.push(
      markdownTable([
        ['column', 'machine', 'node', 'redis', 'postgres', 'run'],
        ...entries.map((x, i) => {
          const m = x.report.machine;
          return [`${i + 1}`, `${m.label ?? m.host}: ${m.cpus} × ${m.cpuModel}`, m.node, m.redis, m.postgres, `${x.report.when.slice(0, 16).replace('T', ' ')} · ${x.report.quick ? 'quick' : 'full'}${x.report.rounds ? ` · ${x.report.rounds} round${x.report.rounds > 1 ? 's' : ''}` : ''}`];
        }),
      ]),
      '',
    );
    if (quickBesideFull) lines.push('> A quick run (smaller data, shorter loads) stands beside a full one here: compare their ratios with care.', '');
    const ratioNames = [...new Set(entries.flatMap((x) => x.report.ratios.map((r) => r.name)))];
    const rows = ratioNames.map((name) => {
      const goal = entries.flatMap((x) => x.report.ratios).find((r) => r.name === name)?.goal ?? '';
      return [name, goal, ...entries.map((x) => cell(x.report.ratios.find((q) => q.name === name)))];
    });
    lines.push(markdownTable([['ratio', 'goal', ...entries.map((x, i) => `${i + 1}: ${x.source}`)], ...rows]), '');
    const overview = await labOverview(lab, title, entries.map((x, i) => ({ run: `${i + 1}: ${x.source}`, ratios: x.report.ratios })));
    if (overview) {
      const file = `charts/${lab}-overview.svg`;
      charts.push({ file, svg: overview });
      lines.push(`![${lab}: every goal at a glance](${file})`, '');
    }
    // A chart per ratio compares runs; with one run the overview already says everything.
    for (const name of entries.length > 1 ? ratioNames : []) {
      const runs = entries
        .map((x, i) => ({ run: `${i + 1}: ${x.source}`, ratio: x.report.ratios.find((q) => q.name === name) }))
        .filter((b): b is { run: string; ratio: Report['ratios'][number] } => Boolean(b.ratio) && Number.isFinite(b.ratio!.value));
      if (!runs.length) continue;
      const file = `charts/${lab}-${slug(name)}.svg`;
      charts.push({ file, svg: await ratioChart(lab, name, runs) });
      lines.push(`![${lab}: ${name}](${file})`);
    }
    lines.push('');
  }
  return { markdown: `${lines.join('\n')}\n`, charts };
}

export function writeSummary(summary: Summary, dir = SUMMARY_DIR): string {
  mkdirSync(path.join(dir, 'charts'), { recursive: true });
  for (const c of summary.charts) writeFileSync(path.join(dir, c.file), c.svg);
  const file = path.join(dir, 'SUMMARY.md');
  writeFileSync(file, summary.markdown);
  return file;
}

/** 5.1.1 < 5.1.2 < 5.1.B < 5.2.1 < capstone */
export function compareLabIds(a: string, b: string): number {
  const key = (id: string) => id.split('.').map((p) => (/^\d+$/.test(p) ? p.padStart(4, '0') : `~${p}`)).join('.');
  const [ka, kb] = [key(a), key(b)];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
