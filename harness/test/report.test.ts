// Reports students compare: verdicts that survive noise, runs that never overwrite the reference,
// every column labelled, charts with values, goal lines and directions.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { benchFlags, runBench } from '../bench';
import { ratioChart } from '../report-charts';
import { combineRounds, ratio, ratioOfRounds, reportToMarkdown, targetOf, verdictFor, writeReport, writeRun, type Report } from '../report';
import { compareLabIds, labelSources, readLatestRuns, readReportFiles, readReports, summarize } from '../report-summary';

const tmp = mkdtempSync(path.join(tmpdir(), 'wb-report-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const report = (host: string, value: number, extra: Partial<Report> = {}): Report => ({
  lab: '5.2.2',
  title: 'Article cache',
  when: '2026-01-01T00:00:00.000Z',
  machine: { host, cpus: 2, cpuModel: 'cpu', os: 'Linux', node: 'v20', redis: '7.0', postgres: '15' },
  metrics: [{ name: 'hit', unit: 'µs', p50: 10, p99: 20, ops: 1000 }],
  ratios: [ratio('db_p50 / hit_p50', value, { atLeast: 5 })],
  ...extra,
});

describe('ratios and verdicts', () => {
  it('ratio() records the goal as text and as numbers, and whether it was met', () => {
    expect(ratio('a', 6, { atLeast: 5 })).toEqual({ name: 'a', value: 6, goal: '≥ 5', target: { atLeast: 5 }, pass: true, verdict: 'met' });
    expect(ratio('b', 1.3, { atMost: 1.2 })).toMatchObject({ goal: '≤ 1.2', pass: false, verdict: 'missed' });
    expect(ratio('c', 2)).toEqual({ name: 'c', value: 2, pass: null });
  });

  it('a goal is met only when the whole range clears it; a goal inside the range is within noise', () => {
    expect(verdictFor({ atLeast: 1 }, 1.05, 1.2)).toBe('met');
    expect(verdictFor({ atLeast: 1 }, 0.9, 1.05)).toBe('within noise');
    expect(verdictFor({ atLeast: 1 }, 0.8, 0.95)).toBe('missed');
    expect(verdictFor({ atMost: 0.2 }, 0.1, 0.25)).toBe('within noise');
  });

  it('rounds combine into the median, the range and a verdict over the range; metrics into medians', () => {
    const round = (v: number, p50: number) => ({ metrics: [{ name: 'op', unit: 'µs', p50 }], ratios: [ratio('r', v, { atLeast: 1 }), ratio('n', v * 10)] });
    const c = combineRounds([round(0.9, 30), round(1.3, 10), round(1.1, 20)]);
    expect(c.ratios[0]).toMatchObject({ name: 'r', value: 1.1, low: 0.9, high: 1.3, rounds: [0.9, 1.3, 1.1], verdict: 'within noise', pass: false });
    expect(c.ratios[1]).toMatchObject({ name: 'n', value: 11, pass: null });
    expect(c.metrics[0]).toEqual({ name: 'op', unit: 'µs', p50: 20 });
  });

  it('a ratio measured over rounds inside a bench carries them, and further runs add theirs', () => {
    const r = ratioOfRounds('r', [1.2, 0.95, 1.1], { atLeast: 1 });
    expect(r).toMatchObject({ value: 1.1, low: 0.95, high: 1.2, verdict: 'within noise', pass: false, rounds: [1.2, 0.95, 1.1] });
    expect(ratioOfRounds('s', [1.2, 1.3, 1.1], { atLeast: 1 })).toMatchObject({ verdict: 'met', pass: true });
    const c = combineRounds([{ metrics: [], ratios: [r] }, { metrics: [], ratios: [ratioOfRounds('r', [1.4, 1.5], { atLeast: 1 })] }]);
    expect(c.ratios[0]).toMatchObject({ rounds: [1.2, 0.95, 1.1, 1.4, 1.5], low: 0.95, high: 1.5, value: 1.2 });
  });

  it('reads the goal of reports written before goals were stored as numbers', () => {
    expect(targetOf({ goal: '≥ 100' })).toEqual({ atLeast: 100, atMost: undefined });
    expect(targetOf({ goal: '≤ 0.15' })).toEqual({ atLeast: undefined, atMost: 0.15 });
    expect(targetOf({})).toBeUndefined();
  });

  it('the Markdown twin shows the range and says "within noise"', () => {
    const r = report('here', 7, { rounds: 3, ratios: [{ ...ratio('x', 1.1, { atLeast: 1 }), low: 0.9, high: 1.3, rounds: [0.9, 1.1, 1.3], verdict: 'within noise', pass: false }] });
    const md = reportToMarkdown(r);
    expect(md).toContain('| x ');
    expect(md).toContain('0.9 – 1.3');
    expect(md).toContain('within noise');
    expect(md).toContain('3 rounds');
  });
});

describe('bench runs and the reference', () => {
  it('parses the harness flags and leaves the lab its own', () => {
    expect(benchFlags(['--quick', '--remote'])).toMatchObject({ quick: true, rounds: 1, reference: false, rest: ['--remote'] });
    expect(benchFlags(['--rounds', '5', '--label', 'laptop', '--reference'])).toMatchObject({ quick: false, rounds: 5, reference: true, label: 'laptop', rest: [] });
    expect(benchFlags([])).toMatchObject({ rounds: 3 });
    expect(() => benchFlags(['--rounds', 'many'])).toThrow(/--rounds/);
  });

  it('a bench run goes to the runs folder with its label and rounds; the reference changes only with --reference', async () => {
    const dirs = { reports: path.join(tmp, 'reference'), runs: path.join(tmp, 'runs') };
    const lab = { id: '9.9.9', title: 'Report fixture', dir: path.join(import.meta.dirname, 'fixtures', 'bench-lab'), folder: 'bench-lab', hasStarter: false };
    const run = await runBench(lab, ['--label', 'student-laptop', '--flag'], dirs);
    expect(existsSync(dirs.reports)).toBe(false);
    expect(readdirSync(path.join(dirs.runs, '9.9.9')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    expect(run).toMatchObject({ rounds: 3, machine: { label: 'student-laptop' } });
    expect(run.ratios.find((r) => r.name === 'speed-up')).toMatchObject({ value: 1.1, low: 0.9, high: 1.3, verdict: 'within noise' });
    expect(run.ratios.find((r) => r.name === 'steady')).toMatchObject({ verdict: 'met' });
    expect(run.ratios.find((r) => r.name === 'lab flags')).toMatchObject({ value: 1 }); // --flag reached the lab, --label did not
    expect(readLatestRuns(dirs.runs)).toHaveLength(1);

    await runBench(lab, ['--reference', '--rounds', '1'], dirs);
    expect(readReports(dirs.reports).map((r) => r.lab)).toEqual(['9.9.9']);
  });

  it('the newest run of each lab is the one compared', () => {
    const runs = path.join(tmp, 'runs-latest');
    writeRun(report('a', 6, { when: '2026-01-01T00:00:00.000Z' }), runs);
    writeRun(report('a', 9, { when: '2026-02-01T00:00:00.000Z' }), runs);
    expect(readLatestRuns(runs).map((r) => r.ratios[0]!.value)).toEqual([9]);
  });
});

describe('summary', () => {
  it('labels every column with machine, cpus, date and quick/full, and warns when quick sits beside full', async () => {
    const other = path.join(tmp, 'laptop.json');
    writeFileSync(other, JSON.stringify(report('vm', 12, { machine: { ...report('vm', 1).machine, label: 'alice-laptop', cpus: 8 } })));
    const all = labelSources([report('vm', 7)], [report('vm', 6, { quick: true, rounds: 1 })], readReportFiles([other]));
    const s = await summarize(all);
    expect(s.markdown).toContain('1: reference: vm · 2 cpu · 2026-01-01 · full');
    expect(s.markdown).toContain('2: your run: vm · 2 cpu · 2026-01-01 · quick');
    expect(s.markdown).toContain('3: alice-laptop · 8 cpu · 2026-01-01 · full (laptop.json)');
    expect(s.markdown).toContain('A quick run');
    expect(s.markdown).toMatch(/\| db_p50 \/ hit_p50 \| ≥ 5 +\| 7 ✓ +\| 6 ✓ +\| 12 ✓ +\|/);
    expect(s.charts.map((c) => c.file)).toEqual(['charts/5.2.2-overview.svg', 'charts/5.2.2-db-p50-hit-p50.svg']);
    for (const c of s.charts) expect(s.markdown).toContain(`](${c.file})`);
  });

  it('with a single run there is an overview and no one-bar chart per ratio', async () => {
    const s = await summarize(labelSources([report('vm', 7)], [], []));
    expect(s.charts.map((c) => c.file)).toEqual(['charts/5.2.2-overview.svg']);
  });

  it('a ratio chart shows each run\'s value, the goal as a dashed line, the better direction and an axis', async () => {
    const svg = await ratioChart('5.2.2', 'db_p50 / hit_p50', [
      { run: '1: reference', ratio: ratio('db_p50 / hit_p50', 7, { atLeast: 5 }) },
      { run: '2: laptop', ratio: { ...ratio('db_p50 / hit_p50', 4.5, { atLeast: 5 }), low: 4, high: 5.5, verdict: 'within noise' } },
    ]);
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('>7<');
    expect(svg).toContain('4.5 (within noise)');
    expect(svg).toContain('higher is better');
    expect(svg).toContain('stroke-dasharray="6,4"');
    expect(svg).toContain('2: laptop');
  });

  it('rejects a file that is not a report', () => {
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    expect(() => readReportFiles([bad])).toThrow(/not a workbook report/);
  });

  it('orders lab ids numerically, branch projects after numbered labs', () => {
    expect(['5.2.B', '5.10.1', '5.2.10', '5.2.2', 'capstone'].sort(compareLabIds)).toEqual(['5.2.2', '5.2.10', '5.2.B', '5.10.1', 'capstone']);
  });

  it('writes a report and its Markdown twin where it is told', () => {
    const dir = path.join(tmp, 'w');
    mkdirSync(dir);
    const files = writeReport(report('here', 7), dir);
    expect(JSON.parse(readFileSync(files.json, 'utf8')).ratios[0].value).toBe(7);
    expect(readFileSync(files.md, 'utf8')).toContain('| db_p50 / hit_p50 | 7');
  });
});
