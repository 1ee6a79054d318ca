// Every lab folder has the same shape, so a learner finds the same files in each (and a new lab, or
// the template new-lab copies, is checked as soon as it exists): README.md lab.ts demo.ts bench.ts
// (+ serve.ts when it serves) at the root, then src/ starter/ test/.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverLabs } from '../labs';

const ROOT_FILES = ['README.md', 'lab.ts', 'demo.ts', 'bench.ts'];
const FOLDERS = ['src', 'starter', 'test'];

/** What is wrong with one lab folder's shape (empty when nothing is). */
function anatomyProblems(dir: string): string[] {
  const problems: string[] = [];
  const isFile = (name: string) => existsSync(path.join(dir, name)) && statSync(path.join(dir, name)).isFile();
  for (const f of ROOT_FILES) if (!isFile(f)) problems.push(`no ${f} at the root`);
  for (const d of FOLDERS) if (!existsSync(path.join(dir, d)) || !statSync(path.join(dir, d)).isDirectory()) problems.push(`no ${d}/`);
  if (!isFile('lab.ts')) return problems;
  const lab = readFileSync(path.join(dir, 'lab.ts'), 'utf8');
  if (!/export default defineLab\(/.test(lab)) problems.push('lab.ts does not `export default defineLab({...})`');
  // lab.ts wires the lab; the code lives in the root files it imports.
  if (/^(export )?(async )?function /m.test(lab) || /^\s+async (run|serve|bench)\(/m.test(lab)) problems.push('lab.ts defines functions: move them to demo.ts / serve.ts / bench.ts');
  const serves = /^\s+serve[,:]/m.test(lab);
  if (serves && !isFile('serve.ts')) problems.push('it serves, but has no serve.ts');
  if (!serves && isFile('serve.ts')) problems.push('serve.ts, but lab.ts declares no serve');
  for (const f of ['demo.ts', 'bench.ts', 'serve.ts']) if (existsSync(path.join(dir, 'src', f))) problems.push(`src/${f} belongs at the lab root`);
  return problems;
}

describe('lab anatomy', () => {
  const labs = discoverLabs();
  it('finds the labs', () => expect(labs.length).toBeGreaterThan(10));

  it.each(labs.map((l) => [l.folder, l.dir]))('%s has the shape every lab has', (_, dir) => {
    expect(anatomyProblems(dir)).toEqual([]);
  });

  it('the template new-lab copies has it too', () => {
    expect(anatomyProblems(path.join(import.meta.dirname, '..', 'template'))).toEqual([]);
  });

  it('a folder that breaks it is caught, each problem named', () => {
    const fixture = path.join(import.meta.dirname, 'fixtures');
    const broken = readdirSync(fixture).find((d) => d === 'broken-lab');
    expect(broken).toBe('broken-lab');
    expect(anatomyProblems(path.join(fixture, 'broken-lab'))).toEqual([
      'no demo.ts at the root',
      'no bench.ts at the root',
      'no starter/',
      'lab.ts defines functions: move them to demo.ts / serve.ts / bench.ts',
      'it serves, but has no serve.ts',
      'src/demo.ts belongs at the lab root',
    ]);
  });
});
