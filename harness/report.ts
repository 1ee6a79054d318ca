// Benchmark reports: docs/reports/<lab>.json and a Markdown twin. Ratios measured in one run are what
// students compare across machines; absolute numbers are there for context.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { markdownTable } from 'markdown-table';
import type { LabContext } from './context';
import { median, type LatencyStats } from './latency';

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

/** A goal as numbers: `{ atLeast: 100 }` (higher is better) or `{ atMost: 1.2 }` (lower is better). */
export interface Target {
  atLeast?: number;
  atMost?: number;
}

/**
 * `met` only when the whole measured range (over the rounds) clears the goal; `missed` when the whole
 * range falls short; otherwise the goal sits inside the run-to-run spread: `within noise`.
 */
export type Verdict = 'met' | 'missed' | 'within noise';

export interface Ratio {
  name: string;
  /** The median over the rounds (the single value for a one-round run). */
  value: number;
  /** Human-readable target, e.g. `≥ 100` or `≤ 1.2`. */
  goal?: string;
  target?: Target;
  /** Whether the target was met beyond the noise (null when there is no target). */
  pass: boolean | null;
  verdict?: Verdict;
  /** Each round's value, and their range. */
  rounds?: number[];
  low?: number;
  high?: number;
  note?: string;
}

export interface Machine {
  host: string;
  /** What the student calls this machine (`--label`, or WORKBOOK_LABEL); the host name otherwise. */
  label?: string;
  cpus: number;
  cpuModel: string;
  os: string;
  node: string;
  redis: string;
  postgres: string;
  /** Present when the run was on a Redis Cluster (`--cluster`). */
  redisTopology?: 'cluster';
}

export interface Report {
  lab: string;
  title: string;
  when: string;
  quick?: boolean;
  /** How many times the bench ran; ratios are medians over the rounds. */
  rounds?: number;
  machine: Machine;
  metrics: Metric[];
  ratios: Ratio[];
  notes?: string[];
}

/** The committed reference reports (quoted by the READMEs); written only with `bench --reference`. */
export const REPORTS_DIR = path.resolve(import.meta.dirname, '..', 'docs', 'reports');
/** The user's own runs (git-ignored), one folder per lab, one file per run. */
export const RUNS_DIR = path.resolve(import.meta.dirname, '..', '.workbook', 'runs');

/** A latency metric (µs) from the recorder's stats. */
export function latencyMetric(name: string, s: LatencyStats): Metric {
  return { name, unit: 'µs', p50: s.p50, p90: s.p90, p99: s.p99, max: s.max, ops: s.opsPerSec };
}

/** A throughput-only metric. */
export function rateMetric(name: string, opsPerSec: number, unit = 'ops/s'): Metric {
  return { name, unit, ops: Math.round(opsPerSec) };
}

/** A ratio with an optional target: `{ atLeast: 100 }` or `{ atMost: 1.2 }`. */
export function ratio(name: string, value: number, goal?: Target, note?: string): Ratio {
  const v = round3(value);
  if (!goal) return { name, value: v, pass: null, ...(note ? { note } : {}) };
  const parts: string[] = [];
  if (goal.atLeast !== undefined) parts.push(`≥ ${goal.atLeast}`);
  if (goal.atMost !== undefined) parts.push(`≤ ${goal.atMost}`);
  const verdict = verdictFor(goal, value, value);
  return { name, value: v, goal: parts.join(' and '), target: goal, pass: verdict === 'met', verdict, ...(note ? { note } : {}) };
}

/**
 * A ratio measured over several rounds inside one bench run (alternating contenders): the median,
 * the range, and a verdict that holds only beyond the range.
 */
export function ratioOfRounds(name: string, values: number[], goal?: Target, note?: string): Ratio {
  const r = ratio(name, median(values), goal, note);
  if (values.length < 2) return r;
  const low = Math.min(...values);
  const high = Math.max(...values);
  const verdict = goal ? verdictFor(goal, low, high) : undefined;
  return { ...r, rounds: values.map(round3), low: round3(low), high: round3(high), ...(verdict ? { verdict, pass: verdict === 'met' } : {}) };
}

const round3 = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : n);
const meets = (t: Target, v: number) => (t.atLeast === undefined || v >= t.atLeast) && (t.atMost === undefined || v <= t.atMost);

/** The verdict for a measured range [low, high] against a goal. */
export function verdictFor(t: Target, low: number, high: number): Verdict {
  if (meets(t, low) && meets(t, high)) return 'met';
  if (!meets(t, low) && !meets(t, high) && (t.atLeast === undefined || t.atMost === undefined)) return 'missed';
  return 'within noise';
}

/** The goal as numbers, also for reports written before `target` existed (parsed from `goal`). */
export function targetOf(r: Pick<Ratio, 'target' | 'goal'>): Target | undefined {
  if (r.target) return r.target;
  if (!r.goal) return undefined;
  const num = (re: RegExp) => {
    const m = re.exec(r.goal!);
    return m ? Number(m[1]) : undefined;
  };
  const t: Target = { atLeast: num(/≥\s*([-\d.e+]+)/), atMost: num(/≤\s*([-\d.e+]+)/) };
  return t.atLeast === undefined && t.atMost === undefined ? undefined : t;
}

/**
 * One result from several rounds of a bench: each ratio is the median of its rounds, with the range and
 * a verdict that holds only beyond that range; each metric field is the median of its rounds.
 */
export function combineRounds(results: Array<{ metrics: Metric[]; ratios: Ratio[]; notes?: string[] }>): { metrics: Metric[]; ratios: Ratio[]; notes?: string[] } {
  if (results.length === 1) return results[0]!;
  const ratios = results[0]!.ratios.map((first) => {
    // A ratio that already carries its rounds (measured inside the bench) contributes every one.
    const values = results
      .flatMap((r) => {
        const x = r.ratios.find((y) => y.name === first.name);
        return x?.rounds ?? (x ? [x.value] : []);
      })
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (!values.length) return first;
    const low = Math.min(...values);
    const high = Math.max(...values);
    const target = targetOf(first);
    const verdict = target ? verdictFor(target, low, high) : undefined;
    return {
      ...first,
      value: round3(median(values)),
      ...(target ? { target, pass: verdict === 'met', verdict } : { pass: null }),
      rounds: values.map(round3),
      low: round3(low),
      high: round3(high),
    } satisfies Ratio;
  });
  const fields = ['p50', 'p90', 'p99', 'max', 'ops', 'value'] as const;
  const metrics = results[0]!.metrics.map((first) => {
    const all = results.map((r) => r.metrics.find((m) => m.name === first.name)).filter((m): m is Metric => Boolean(m));
    const out: Metric = { name: first.name, unit: first.unit };
    for (const f of fields) {
      const vs = all.map((m) => m[f]).filter((v): v is number => typeof v === 'number');
      if (vs.length) out[f] = round3(median(vs));
    }
    return out;
  });
  return { metrics, ratios, notes: results[0]!.notes };
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
    ...(ctx.services.redis.url.startsWith('redis-cluster://') ? { redisTopology: 'cluster' as const } : {}),
  };
}

const fmt = (n: number | undefined) => (n === undefined ? '' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 }));
/** The verdict shown for a ratio (older reports carry only `pass`). */
export const verdictOf = (r: Ratio): Verdict | '' => r.verdict ?? (r.pass === null ? '' : r.pass ? 'met' : 'missed');
const range = (r: Ratio) => (r.low !== undefined && r.high !== undefined && r.rounds && r.rounds.length > 1 ? `${fmt(r.low)} – ${fmt(r.high)}` : '');

/** `laptop · 8 cpu · 2026-12-03 · full, 3 rounds`: what a column of numbers came from. */
export function runLabel(r: Report): string {
  const m = r.machine;
  return `${m.label ?? m.host} · ${m.cpus} cpu${m.redisTopology === 'cluster' ? ' · Redis Cluster' : ''} · ${r.when.slice(0, 10)} · ${r.quick ? 'quick' : 'full'}${r.rounds && r.rounds > 1 ? `, ${r.rounds} rounds` : ''}`;
}

export function reportToMarkdown(r: Report): string {
  const m = r.machine;
  const lines = [
    `# ${r.lab} — ${r.title}: benchmark report`,
    '',
    `Measured ${r.when} on ${m.label ?? m.host}: ${m.cpus} × ${m.cpuModel}, Node ${m.node}, Redis ${m.redis}, PostgreSQL ${m.postgres}${r.quick ? ' (quick run: smaller data, shorter loads)' : ''}.`,
    '',
    (r.rounds ?? 1) > 1 || r.ratios.some((x) => (x.rounds?.length ?? 0) > 1)
      ? `${(r.rounds ?? 1) > 1 ? `${r.rounds} rounds` : 'Rounds inside the bench'}: a ratio with a range is the median of its rounds; a goal is "met" only when the whole range clears it, "within noise" when the goal lies inside the range.${(r.rounds ?? 1) > 1 ? ' Each metric field is the median of its rounds on its own (two figures may come from different rounds); figures in the notes are the first round\'s.' : ''}`
      : 'One round: the run-to-run spread is unknown, so a verdict here is indicative.',
    '',
    '## Ratios (compare these across machines)',
    '',
    markdownTable([['ratio', 'value', 'range over rounds', 'goal', 'verdict', 'note'], ...r.ratios.map((x) => [x.name, fmt(x.value), range(x), x.goal ?? '', verdictOf(x), x.note ?? ''])]),
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

/** Writes `<dir>/<name>.json` and `.md` (name defaults to the lab id); returns their paths. */
export function writeReport(report: Report, dir = REPORTS_DIR, name = report.lab): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, `${name}.json`);
  const md = path.join(dir, `${name}.md`);
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, reportToMarkdown(report));
  return { json, md };
}

/** A user's run: `.workbook/runs/<lab>/<timestamp>.json` (git-ignored; the reference is untouched). */
export function writeRun(report: Report, dir = RUNS_DIR): { json: string; md: string } {
  return writeReport(report, path.join(dir, report.lab), report.when.replace(/[:.]/g, '-'));
}
