// Benchmark reports: docs/reports/<lab>.json and a Markdown twin. Ratios measured in one run are what
// students compare across machines; absolute numbers are there for context.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import type { LabContext } from './context';
import type { LatencyStats } from './latency';

export interface Metric {
  name: string;
  /** `µs` for latency distributions, `ms` for HTTP latency, or a rate like `req/s`, `members/s`. */
  unit: string;
  p50?: number;
  p90?: number;
  p99?: number;
  max?: number;
  /** Operations (requests, members, decisions…) per second. */
  ops?: number;
  /** A single value in `unit` when the metric is not a distribution (e.g. a count). */
  value?: number;
}

export interface Ratio {
  name: string;
  value: number;
  /** Human-readable target, e.g. `≥ 100` or `≤ 1.2`. */
  goal?: string;
  /** Whether the target was met (null when there is no target). */
  pass: boolean | null;
  note?: string;
}

export interface Machine {
  host: string;
  cpus: number;
  cpuModel: string;
  os: string;
  node: string;
  redis: string;
  postgres: string;
}

export interface Report {
  lab: string;
  title: string;
  when: string;
  quick?: boolean;
  machine: Machine;
  metrics: Metric[];
  ratios: Ratio[];
  notes?: string[];
}

export const REPORTS_DIR = path.resolve(import.meta.dirname, '..', 'docs', 'reports');

/** A latency metric (µs) from the recorder's stats. */
export function latencyMetric(name: string, s: LatencyStats): Metric {
  return { name, unit: 'µs', p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, ops: s.opsPerSec };
}

/** A throughput-only metric. */
export function rateMetric(name: string, opsPerSec: number, unit = 'ops/s'): Metric {
  return { name, unit, ops: Math.round(opsPerSec) };
}

/** A ratio with an optional target: `{ atLeast: 100 }` or `{ atMost: 1.2 }`. */
export function ratio(name: string, value: number, goal?: { atLeast?: number; atMost?: number }, note?: string): Ratio {
  const v = Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
  if (!goal) return { name, value: v, pass: null, ...(note ? { note } : {}) };
  const parts: string[] = [];
  let pass = true;
  if (goal.atLeast !== undefined) {
    parts.push(`≥ ${goal.atLeast}`);
    pass &&= value >= goal.atLeast;
  }
  if (goal.atMost !== undefined) {
    parts.push(`≤ ${goal.atMost}`);
    pass &&= value <= goal.atMost;
  }
  return { name, value: v, goal: parts.join(' and '), pass, ...(note ? { note } : {}) };
}

export async function machineInfo(ctx: Pick<LabContext, 'services'>): Promise<Machine> {
  const cpus = os.cpus();
  return {
    host: os.hostname(),
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    redis: ctx.services.redis.version,
    postgres: ctx.services.postgres.version,
  };
}

const fmt = (n: number | undefined) => (n === undefined ? '' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));
const verdict = (r: Ratio) => (r.pass === null ? '' : r.pass ? 'met' : 'missed');

export function reportToMarkdown(r: Report): string {
  const m = r.machine;
  const lines = [
    `# ${r.lab} — ${r.title}: benchmark report`,
    '',
    `Measured ${r.when} on ${m.host}: ${m.cpus} × ${m.cpuModel}, Node ${m.node}, Redis ${m.redis}, PostgreSQL ${m.postgres}${r.quick ? ' (quick run: smaller data, shorter loads)' : ''}.`,
    '',
    '## Ratios (compare these across machines)',
    '',
    markdownTable([['ratio', 'value', 'goal', 'verdict', 'note'], ...r.ratios.map((x) => [x.name, fmt(x.value), x.goal ?? '', verdict(x), x.note ?? ''])]),
    '',
    '## Metrics',
    '',
    markdownTable([
      ['metric', 'unit', 'p50', 'p90', 'p99', 'max', 'ops/s', 'value'],
      ...r.metrics.map((x) => [x.name, x.unit, fmt(x.p50), fmt(x.p90), fmt(x.p99), fmt(x.max), fmt(x.ops), fmt(x.value)]),
    ]),
  ];
  if (r.notes?.length) lines.push('', '## Notes', '', ...r.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

/** Writes `<dir>/<lab>.json` and `.md`; returns their paths. */
export function writeReport(report: Report, dir = REPORTS_DIR): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${report.lab}.json`);
  const md = path.join(dir, `${report.lab}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, reportToMarkdown(report));
  return { json, md };
}
