import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverLabs } from '../labs';
import { createLab } from '../new-lab';
import { ratio, reportToMarkdown, writeReport, type Report } from '../report';
import { compareLabIds, readReportFiles, summarize } from '../report-summary';

const tmp = mkdtempSync(path.join(tmpdir(), 'wb-harness-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const report = (host: string, value: number): Report => ({
  lab: '5.2.2',
  title: 'Article cache',
  when: '2026-01-01T00:00:00.000Z',
  machine: { host, cpus: 2, cpuModel: 'cpu', os: 'Linux', node: 'v20', redis: '7.0', postgres: '15' },
  metrics: [{ name: 'hit', unit: 'µs', p50: 10, p99: 20, ops: 1000 }],
  ratios: [ratio('db_p50 / hit_p50', value, { atLeast: 5 })],
});

describe('reports', () => {
  it('ratio() records the goal and whether it was met', () => {
    expect(ratio('a', 6, { atLeast: 5 })).toEqual({ name: 'a', value: 6, goal: '≥ 5', pass: true });
    expect(ratio('b', 1.3, { atMost: 1.2 })).toMatchObject({ goal: '≤ 1.2', pass: false });
    expect(ratio('c', 2)).toEqual({ name: 'c', value: 2, pass: null });
  });

  it('writes JSON and a Markdown twin', () => {
    const files = writeReport(report('here', 7), tmp);
    expect(JSON.parse(readFileSync(files.json, 'utf8')).ratios[0].value).toBe(7);
    expect(readFileSync(files.md, 'utf8')).toContain('| db_p50 / hit_p50 | 7');
    expect(reportToMarkdown(report('here', 3))).toContain('missed');
  });

  it('summarizes local and other machines side by side, with a chart per ratio', () => {
    const other = path.join(tmp, 'laptop.json');
    writeFileSync(other, JSON.stringify(report('laptop', 12)));
    const s = summarize([report('here', 7)], readReportFiles([other]));
    expect(s.markdown).toMatch(/\| db_p50 \/ hit_p50 \| ≥ 5 +\| 7 ✓ +\| 12 ✓ +\|/);
    expect(s.charts).toHaveLength(1);
    expect(s.charts[0]!.svg).toContain('<svg');
    expect(s.charts[0]!.svg).toContain('laptop');
  });

  it('rejects a file that is not a report', () => {
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    expect(() => readReportFiles([bad])).toThrow(/not a workbook report/);
  });

  it('orders lab ids numerically, branch projects after numbered labs', () => {
    expect(['5.2.B', '5.10.1', '5.2.10', '5.2.2', 'capstone'].sort(compareLabIds)).toEqual(['5.2.2', '5.2.10', '5.2.B', '5.10.1', 'capstone']);
  });
});

describe('new-lab', () => {
  it('copies the template with the names filled in, and the lab is discovered', () => {
    const labs = path.join(tmp, 'root', 'labs');
    mkdirSync(labs, { recursive: true });
    const dir = createLab('7.1.1', 'my-topic', undefined, labs);
    expect(readFileSync(path.join(dir, 'lab.ts'), 'utf8')).toContain("id: '7.1.1'");
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('# 7.1.1 — My Topic');
    expect(existsSync(path.join(dir, 'starter', 'visits.ts'))).toBe(true);
    expect(discoverLabs(path.join(tmp, 'root')).map((l) => l.id)).toEqual(['7.1.1']);
    expect(() => createLab('7.1.1', 'again', undefined, labs)).toThrow(/already exists/);
    expect(() => createLab('7.1', 'x', undefined, labs)).toThrow(/must look like/);
    expect(() => createLab('7.1.2', 'Bad Slug', undefined, labs)).toThrow(/kebab-case/);
  });
});
