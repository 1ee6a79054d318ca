// Every figure a README quotes names its source, and the bench figures match the committed reports.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverLabs, ROOT } from '../labs';
import { currentFiguresBlock, figuresBlock, quotedFigures, statesValue, withFiguresBlock } from '../readme-figures';
import { reportLink } from '../readme-figures-write';
import { ratio, REPORTS_DIR, type Report } from '../report';

const readJson = (lab: string): Report | undefined => {
  const f = path.join(REPORTS_DIR, `${lab}.json`);
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Report) : undefined;
};
const readmes = [path.join(ROOT, 'README.md'), ...discoverLabs().map((l) => path.join(l.dir, 'README.md')), path.join(ROOT, 'capstone', 'README.md')].filter((f) => existsSync(f));

describe('README figures', () => {
  it('a stated figure matches the value as prose would round it', () => {
    expect(statesValue('≈ 550×', 550, 546.7)).toBe(true);
    expect(statesValue('≈ 2,300×', 2300, 2318.9)).toBe(true);
    expect(statesValue('0.83×', 0.83, 0.828)).toBe(true);
    expect(statesValue('≈ 13 %', 13, 0.133)).toBe(true);
    expect(statesValue('0.83×', 0.83, 0.77)).toBe(false);
    expect(statesValue('≈ 550×', 550, 480)).toBe(false);
  });

  it('finds figures linked to a report with the ratio as the title', () => {
    expect(quotedFigures('x [≈ 1,100×](../../docs/reports/5.1.1.md "a / b") y [n](test/a.test.ts)')).toEqual([{ text: '≈ 1,100×', lab: '5.1.1', ratio: 'a / b', stated: 1100 }]);
  });

  it('the generated block goes under "What the bench shows" and is replaced in place', () => {
    const r: Report = { lab: '9.9.9', title: 't', when: '2026-01-01T00:00:00Z', machine: { host: 'h', cpus: 2, cpuModel: 'c', os: 'o', node: 'v20', redis: '7.0', postgres: '15' }, metrics: [], ratios: [ratio('a', 2, { atLeast: 1 })] };
    const first = withFiguresBlock('# L\n\n## What the bench shows\nprose\n', figuresBlock(r, 'r.md'), '9.9.9');
    expect(first).toMatch(/## What the bench shows\n<!-- figures:begin 9\.9\.9[\s\S]*\| `a` +\| 2 +\|[\s\S]*<!-- figures:end -->\n\nprose/);
    const again = withFiguresBlock(first, figuresBlock({ ...r, ratios: [ratio('a', 3, { atLeast: 1 })] }, 'r.md'), '9.9.9');
    expect(again.match(/figures:begin/g)).toHaveLength(1);
    expect(again).toMatch(/\| `a` +\| 3 +\|/);
  });

  it.each(discoverLabs().filter((l) => readJson(l.id)).map((l) => [l.id, l] as const))('%s README carries its reference report\'s figures as generated', (_id, lab) => {
    const readme = readFileSync(path.join(lab.dir, 'README.md'), 'utf8');
    const block = currentFiguresBlock(readme, lab.id);
    expect(block, 'run `npm run report -- --reference` to write it').toBeDefined();
    expect(block).toBe(figuresBlock(readJson(lab.id)!, reportLink(lab.dir, REPORTS_DIR, lab.id)));
  });

  it.each(readmes.map((f) => [path.relative(ROOT, f), f] as const))('%s: every figure linked to a report matches it', (_rel, file) => {
    for (const q of quotedFigures(readFileSync(file, 'utf8'))) {
      const report = readJson(q.lab);
      expect(report, `${q.text}: no docs/reports/${q.lab}.json`).toBeDefined();
      const r = report!.ratios.find((x) => x.name === q.ratio);
      expect(r, `${q.text}: ${q.lab} has no ratio "${q.ratio}"`).toBeDefined();
      expect(statesValue(q.text, q.stated, r!.value), `"${q.text}" but ${q.lab} "${q.ratio}" is ${r!.value}`).toBe(true);
    }
  });

  it('the lab table\'s headline figures each link to a bench report or a test', () => {
    const rows = readFileSync(path.join(ROOT, 'README.md'), 'utf8').split('\n').filter((l) => /^\| (\d+\.\d+\.[\dA-Z]+|capstone) \|/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(13);
    for (const row of rows) {
      const headline = row.split(' | ')[3]!;
      const outsideLinks = headline.replace(/\[[^\]]*\]\([^)]*\)/g, '');
      expect(outsideLinks, `${row.slice(0, 12)}: a result figure outside a link`).not.toMatch(/\d[\d,.]*\s*(×|%|µs|ms\b)/);
      for (const link of headline.matchAll(/\]\(([^)\s]+)/g)) {
        const target = link[1]!;
        expect(target, `${row.slice(0, 12)}: links must go to docs/reports/ or a test`).toMatch(/^docs\/reports\/[^/]+\.md$|\/test\/[^/]+\.test\.ts$/);
        expect(existsSync(path.join(ROOT, target)), `${target} exists`).toBe(true);
      }
    }
  });
});
