// `npm run grade [id] [-- --impl starter|PATH]`: runs the suites with vitest's JSON reporter and
// prints passed/total per lab and per exercise (the top-level describe blocks of a lab's tests).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import pc from 'picocolors';
import { implDirFor } from './impl-resolve.mjs';
import { discoverLabs, ROOT, type LabEntry } from './labs';

interface VitestJson {
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ ancestorTitles: string[]; title: string; status: string; failureMessages: string[] }>;
  }>;
}

export interface GradeGroup {
  name: string;
  passed: number;
  total: number;
  failures: Array<{ test: string; message: string }>;
}

export interface LabGrade {
  id: string;
  title: string;
  passed: number;
  total: number;
  percent: number;
  groups: GradeGroup[];
}

export interface GradeOptions {
  lab?: LabEntry;
  impl?: string;
  out: string;
}

const firstLine = (s: string) => s.split('\n').find((l) => l.trim())?.trim().slice(0, 160) ?? '';

export function gradeFromResults(json: VitestJson, labs: LabEntry[]): LabGrade[] {
  return labs.map((lab) => {
    const files = json.testResults.filter((f) => f.name.startsWith(lab.dir + path.sep));
    const groups = new Map<string, GradeGroup>();
    for (const file of files) {
      // A file that failed to load counts as one failed test, so a broken import cannot look like 0/0.
      if (!file.assertionResults.length && file.status === 'failed') {
        const g = { name: path.basename(file.name), passed: 0, total: 1, failures: [{ test: 'load', message: firstLine(file.message ?? 'failed to load') }] };
        groups.set(g.name, g);
      }
      for (const t of file.assertionResults) {
        const name = t.ancestorTitles[0] ?? path.basename(file.name);
        const g = groups.get(name) ?? { name, passed: 0, total: 0, failures: [] };
        g.total++;
        if (t.status === 'passed') g.passed++;
        else g.failures.push({ test: [...t.ancestorTitles.slice(1), t.title].join(' › '), message: firstLine(t.failureMessages[0] ?? t.status) });
        groups.set(name, g);
      }
    }
    const list = [...groups.values()];
    const passed = list.reduce((n, g) => n + g.passed, 0);
    const total = list.reduce((n, g) => n + g.total, 0);
    return { id: lab.id, title: lab.title, passed, total, percent: total ? Math.round((passed / total) * 1000) / 10 : 0, groups: list };
  });
}

export async function runGrade(opts: GradeOptions): Promise<number> {
  const labs = opts.lab ? [opts.lab] : discoverLabs();
  const tmp = mkdtempSync(path.join(tmpdir(), 'wb-grade-'));
  const outputFile = path.join(tmp, 'vitest.json');
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (opts.impl && opts.lab) {
    env.LAB_IMPL_SRC = path.join(opts.lab.dir, 'src');
    env.LAB_IMPL_DIR = implDirFor(opts.lab.dir, opts.impl);
  }
  const targets = labs.map((l) => path.relative(ROOT, path.join(l.dir, 'test')));
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  console.error(pc.dim(`grading ${labs.map((l) => l.id).join(', ')}${opts.impl ? ` on ${opts.impl}` : ''}…`));
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, 'run', ...targets, '--reporter=dot', '--reporter=json', `--outputFile.json=${outputFile}`], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('error', reject);
    child.once('exit', () => resolve());
  });
  let json: VitestJson;
  try {
    json = JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson;
  } catch {
    rmSync(tmp, { recursive: true, force: true });
    console.error(pc.red('vitest produced no results (see the errors above)'));
    return 1;
  }
  rmSync(tmp, { recursive: true, force: true });
  const grades = gradeFromResults(json, labs);

  const table = new Table({ head: ['lab', 'title', 'passed', 'total', '%'] });
  for (const g of grades) table.push([g.id, g.title, g.passed, g.total, `${g.percent}`]);
  console.log(table.toString());
  if (opts.lab) {
    const detail = new Table({ head: ['exercise / group', 'passed', 'first failure'], colWidths: [44, 10, 80], wordWrap: true });
    for (const g of grades[0]!.groups) {
      const mark = g.passed === g.total ? pc.green('✓') : pc.red('✗');
      detail.push([`${mark} ${g.name}`, `${g.passed}/${g.total}`, g.failures[0] ? `${g.failures[0].test}: ${g.failures[0].message}` : '']);
    }
    console.log(detail.toString());
  }
  writeFileSync(opts.out, `${JSON.stringify({ when: new Date().toISOString(), impl: opts.impl ?? 'src', labs: grades }, null, 2)}\n`);
  console.log(pc.dim(`wrote ${opts.out}`));
  return 0;
}
