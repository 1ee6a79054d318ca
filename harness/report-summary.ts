// `npm run report [-- other.json …]`: every lab's ratios in one table, docs/reports beside any other
// machines' reports given as files, plus one SVG bar chart per ratio.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import { REPORTS_DIR, type Report } from './report';
import { UsageError } from './usage-error';

export interface LabeledReport {
  source: string;
  report: Report;
}

export function readReports(dir = REPORTS_DIR): Report[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Report)
    .filter((r) => r && typeof r.lab === 'string' && Array.isArray(r.ratios));
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
    const list = (Array.isArray(parsed) ? parsed : [parsed]) as Report[];
    return list.map((report) => {
      if (!report?.lab || !Array.isArray(report.ratios)) throw new UsageError(`${file}: not a workbook report (no lab/ratios)`);
      return { source: `${report.machine?.host ?? path.basename(file)} (${path.basename(file)})`, report };
    });
  });
}

export function machineLabel(r: Report): string {
  return `${r.machine.host}, ${r.machine.cpus} cpu`;
}

export interface Summary {
  markdown: string;
  charts: Array<{ file: string; svg: string }>;
}

export function summarize(local: Report[], others: LabeledReport[]): Summary {
  // Local reports are labelled by the machine that measured them: after a fresh clone that is the
  // reference machine, until `npm run bench` replaces them with this one's.
  const all: LabeledReport[] = [...local.map((report) => ({ source: `docs/reports (${machineLabel(report)})`, report })), ...others];
  const sources = [...new Set(all.map((x) => x.source))];
  const labs = [...new Set(all.map((x) => x.report.lab))].sort(compareLabIds);
  const lines = ['# Benchmark summary', '', `Sources: ${sources.map((s) => `**${s}**`).join(', ')}.`, ''];
  const charts: Summary['charts'] = [];
  for (const lab of labs) {
    const entries = all.filter((x) => x.report.lab === lab);
    const title = entries[0]!.report.title;
    const ratioNames = [...new Set(entries.flatMap((x) => x.report.ratios.map((r) => r.name)))];
    lines.push(`## ${lab} — ${title}`, '');
    const rows = ratioNames.map((name) => {
      const goal = entries.flatMap((x) => x.report.ratios).find((r) => r.name === name)?.goal ?? '';
      const cells = sources.map((s) => {
        const r = entries.find((x) => x.source === s)?.report.ratios.find((q) => q.name === name);
        return r ? `${r.value}${r.pass === false ? ' ✗' : r.pass ? ' ✓' : ''}` : '—';
      });
      return [name, goal, ...cells];
    });
    lines.push(markdownTable([['ratio', 'goal', ...sources], ...rows]), '');
    for (const name of ratioNames) {
      const bars = sources
        .map((s) => ({ label: s, value: entries.find((x) => x.source === s)?.report.ratios.find((q) => q.name === name)?.value }))
        .filter((b): b is { label: string; value: number } => typeof b.value === 'number' && Number.isFinite(b.value));
      if (!bars.length) continue;
      const file = `charts/${lab}-${slug(name)}.svg`;
      charts.push({ file, svg: barChart(`${lab}: ${name}`, bars) });
      lines.push(`![${lab} ${name}](${file})`);
    }
    lines.push('');
  }
  return { markdown: `${lines.join('\n')}\n`, charts };
}

export function writeSummary(summary: Summary, dir = REPORTS_DIR): string {
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
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A horizontal bar chart, one bar per machine. */
export function barChart(title: string, bars: Array<{ label: string; value: number }>): string {
  const width = 640;
  const labelW = 260;
  const barH = 22;
  const top = 36;
  const max = Math.max(...bars.map((b) => Math.abs(b.value)), 1e-9);
  const height = top + bars.length * (barH + 10) + 10;
  const rows = bars.map((b, i) => {
    const y = top + i * (barH + 10);
    const w = Math.max(1, (Math.abs(b.value) / max) * (width - labelW - 80));
    return [
      `<text x="8" y="${y + 16}" font-size="12">${esc(b.label.slice(0, 40))}</text>`,
      `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="#d6336c" rx="3"/>`,
      `<text x="${labelW + w + 6}" y="${y + 16}" font-size="12">${b.value}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/><text x="8" y="22" font-size="14" font-weight="bold">${esc(title)}</text>${rows.join('')}</svg>\n`;
}
