// `npm run grade [id] [-- --impl starter|PATH|'GLOB']`: runs a lab's suite with vitest's JSON reporter
// and scores its exercises — the top-level `describe('exercise N: …')` groups. Every other group is a
// check of code the lab provides: shown apart, never scored. A class (a glob, or a folder of folders)
// is graded one submission per vitest process, each under a time limit, into grade.json + grade.csv.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import pc from 'picocolors';
import { exerciseFiles, implDirFor, ImplNotFoundError } from './impl-resolve.mjs';
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
  /** The first failing test and its first line, at most ~200 characters. */
  firstFailure?: string;
}

export interface LabGrade {
  id: string;
  title: string;
  /** What was graded: `src`, `starter` or a folder. */
  impl: string;
  status: 'graded' | 'timeout' | 'error';
  /** Mean over exercises of passed/total, in % (an exercise that could not run counts 0). */
  score: number;
  exercises: GradeGroup[];
  checks: GradeGroup[];
  message?: string;
}

export interface GradeOptions {
  lab?: LabEntry;
  impl?: string;
  out: string;
  verbose?: boolean;
  /** Per-submission time limit in seconds. */
  timeLimit?: number;
  /** Only the exercise groups (vitest -t), e.g. to check a starter fast. */
  exercisesOnly?: boolean;
}

export const DEFAULT_TIME_LIMIT_S = 300;
const EXERCISE = /^exercise\s+(\d+)/i;
export const isExercise = (group: string) => EXERCISE.test(group);
const exerciseNumber = (group: string) => Number(EXERCISE.exec(group)?.[1] ?? Infinity);
const byExercise = (a: GradeGroup, b: GradeGroup) => exerciseNumber(a.name) - exerciseNumber(b.name) || a.name.localeCompare(b.name);
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const oneLine = (s: string, max = 200) => {
  const line = stripAnsi(s).split('\n').find((l) => l.trim())?.trim() ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

/** The top-level describe titles of a test file, read from its text (known even if it fails to load). */
export function declaredGroups(testFile: string): string[] {
  const text = readFileSync(testFile, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^describe\(\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/gm)) out.push(m[2]!.replace(/\\(.)/g, '$1'));
  return out;
}

function testFiles(labDir: string): string[] {
  const dir = path.join(labDir, 'test');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f));
}

/** The exercise groups a lab declares, in order. */
export function labExercises(labDir: string): string[] {
  const names = new Set(testFiles(labDir).flatMap(declaredGroups).filter(isExercise));
  return [...names].sort((a, b) => exerciseNumber(a) - exerciseNumber(b) || a.localeCompare(b));
}

export function gradeFromResults(json: VitestJson, lab: LabEntry, impl = 'src'): LabGrade {
  const files = json.testResults.filter((f) => f.name.startsWith(lab.dir + path.sep));
  const groups = new Map<string, GradeGroup>();
  const group = (name: string) => {
    const g = groups.get(name) ?? { name, passed: 0, total: 0 };
    groups.set(name, g);
    return g;
  };
  for (const name of labExercises(lab.dir)) group(name);
  for (const file of files) {
    if (!file.assertionResults.length && file.status === 'failed') {
      // A file that failed to load: its groups count as failed, so a broken import cannot look like 0/0.
      const declared = existsSync(file.name) ? declaredGroups(file.name) : [];
      const message = `load: ${oneLine(file.message ?? 'failed to load')}`;
      for (const name of declared.length ? declared : [`${path.basename(file.name)} (load)`]) {
        const g = group(name);
        g.total = Math.max(g.total, 1);
        g.firstFailure ??= message;
      }
    }
    for (const t of file.assertionResults) {
      if (t.status === 'skipped' || t.status === 'pending' || t.status === 'todo') continue;
      const g = group(t.ancestorTitles[0] ?? path.basename(file.name));
      g.total++;
      if (t.status === 'passed') g.passed++;
      else g.firstFailure ??= oneLine(`${[...t.ancestorTitles.slice(1), t.title].join(' › ')}: ${stripAnsi(t.failureMessages[0] ?? t.status)}`);
    }
  }
  const all = [...groups.values()];
  const exercises = all.filter((g) => isExercise(g.name)).sort(byExercise);
  for (const e of exercises) if (!e.total) e.firstFailure ??= 'no test ran (filtered out or skipped)';
  const checks = all.filter((g) => !isExercise(g.name));
  return { id: lab.id, title: lab.title, impl, status: 'graded', score: scoreOf(exercises), exercises, checks };
}

const scoreOf = (exercises: GradeGroup[]) =>
  exercises.length ? Math.round((exercises.reduce((s, e) => s + (e.total ? e.passed / e.total : 0), 0) / exercises.length) * 1000) / 10 : 0;

const allPass = (g: LabGrade) => g.status === 'graded' && g.exercises.every((e) => e.total > 0 && e.passed === e.total);

interface RunResult {
  json?: VitestJson;
  timedOut: boolean;
  output: string;
}

/** One vitest process over `labs`, killed (with its workers) after `timeLimitS`. */
async function runVitest(labs: LabEntry[], env: NodeJS.ProcessEnv, opts: { verbose?: boolean; timeLimitS?: number; exercisesOnly?: boolean }): Promise<RunResult> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'wb-grade-'));
  const outputFile = path.join(tmp, 'vitest.json');
  const targets = labs.map((l) => path.relative(ROOT, path.join(l.dir, 'test')) + '/');
  const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const args = [vitest, 'run', ...targets, `--reporter=${opts.verbose ? 'default' : 'dot'}`, '--reporter=json', `--outputFile.json=${outputFile}`];
  if (opts.exercisesOnly) args.push('-t', '^exercise \\d');
  let output = '';
  const timedOut = await new Promise<boolean>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', opts.verbose ? 'inherit' : 'pipe', opts.verbose ? 'inherit' : 'pipe'] });
    const keep = (b: Buffer) => {
      output = (output + b.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let killed = false;
    const timer = opts.timeLimitS
      ? setTimeout(() => {
          killed = true;
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, opts.timeLimitS * 1000)
      : undefined;
    // The run has its own process group (so a time limit stops its workers too): take it down with us.
    const stop = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(killed);
    });
  });
  let json: VitestJson | undefined;
  try {
    if (!timedOut) json = JSON.parse(readFileSync(outputFile, 'utf8')) as VitestJson;
  } catch {
    json = undefined;
  }
  rmSync(tmp, { recursive: true, force: true });
  return { json, timedOut, output };
}

function implEnv(lab: LabEntry, implDir: string | undefined): NodeJS.ProcessEnv {
  // (nothing of an outer vitest run leaks into the graded one)
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
  delete env.LAB_IMPL_STARTERS;
  delete env.LAB_IMPL_SRC;
  delete env.LAB_IMPL_DIR;
  if (implDir) {
    env.LAB_IMPL_SRC = path.join(lab.dir, 'src');
    env.LAB_IMPL_DIR = implDir;
  }
  return env;
}

/** Grades one implementation folder (or src/ when `implDir` is undefined) of one lab, in its own vitest process. */
export async function gradeOne(lab: LabEntry, implDir: string | undefined, opts: { verbose?: boolean; timeLimitS?: number; exercisesOnly?: boolean; label?: string } = {}): Promise<LabGrade> {
  const label = opts.label ?? implDir ?? 'src';
  const run = await runVitest([lab], implEnv(lab, implDir), opts);
  if (run.timedOut || !run.json) {
    const exercises = labExercises(lab.dir).map((name) => ({ name, passed: 0, total: 0 }));
    const message = run.timedOut
      ? `timeout: stopped after ${opts.timeLimitS} s`
      : `vitest produced no results: ${oneLine(run.output.split('\n').filter((l) => /error/i.test(l)).join('\n') || run.output.trim().split('\n').pop() || '')}`;
    return { id: lab.id, title: lab.title, impl: label, status: run.timedOut ? 'timeout' : 'error', score: 0, exercises, checks: [], message };
  }
  return gradeFromResults(run.json, lab, label);
}

const GLOB = /[*?[]/;

/** The submissions `impl` names: a glob (`submissions/*`), a folder of folders, or one folder (undefined). */
export function classFolders(lab: LabEntry, impl: string): string[] | undefined {
  if (impl === 'starter') return undefined;
  if (GLOB.test(impl)) {
    const base = path.resolve(path.dirname(impl));
    if (GLOB.test(base)) throw new ImplNotFoundError(`--impl ${impl}: only the last part of the path may be a pattern, e.g. 'submissions/*'`);
    const re = new RegExp(`^${path.basename(impl).replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const found = existsSync(base) ? readdirSync(base).filter((n) => re.test(n) && statSync(path.join(base, n)).isDirectory()) : [];
    if (!found.length) throw new ImplNotFoundError(`--impl ${impl}: no folder matches`);
    return found.sort().map((n) => path.join(base, n));
  }
  const dir = implDirFor(lab.dir, impl);
  const entries = readdirSync(dir, { withFileTypes: true });
  const names = new Set(exerciseFiles(lab.dir).map((f) => f.split(path.sep)[0]));
  const looksLikeImpl = entries.some((e) => names.has(e.name) || (e.isFile() && /\.(ts|lua)$/.test(e.name)));
  const subdirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.'));
  return !looksLikeImpl && subdirs.length ? subdirs.map((e) => path.join(dir, e.name)).sort() : undefined;
}

function exerciseTable(g: LabGrade): string {
  const width = Math.max(100, Math.min(process.stdout.columns || 120, 160));
  const t = new Table({ head: ['exercise', 'passed', 'first failure'], colWidths: [36, 8, width - 48], wordWrap: true });
  for (const e of g.exercises) {
    const ok = e.total > 0 && e.passed === e.total;
    t.push([`${ok ? pc.green('✓') : pc.red('✗')} ${e.name}`, `${e.passed}/${e.total}`, ok ? '' : (e.firstFailure ?? '')]);
  }
  return t.toString();
}

function checksLine(g: LabGrade): string {
  const passed = g.checks.filter((c) => c.passed === c.total).length;
  const failing = g.checks.filter((c) => c.passed !== c.total);
  const lines = [pc.dim(`checks of provided code (not scored): ${passed}/${g.checks.length} groups pass`)];
  for (const c of failing.slice(0, 5)) lines.push(pc.dim(`  ✗ ${c.name} ${c.passed}/${c.total}: ${c.firstFailure ?? ''}`.slice(0, 200)));
  if (failing.length > 5) lines.push(pc.dim(`  … and ${failing.length - 5} more`));
  return lines.join('\n');
}

function writeOutputs(out: string, grades: LabGrade[]): string {
  const csvFile = out.replace(/\.json$/i, '') + '.csv';
  writeFileSync(out, `${JSON.stringify({ when: new Date().toISOString(), grades }, null, 2)}\n`);
  const names = [...new Set(grades.flatMap((g) => g.exercises.map((e) => e.name)))];
  const rows = grades.map((g) => {
    const cells = names.map((n) => {
      const e = g.exercises.find((x) => x.name === n);
      return e && e.total ? Math.round((e.passed / e.total) * 1000) / 10 : 0;
    });
    return [g.impl, g.id, g.status, g.score, ...cells];
  });
  writeFileSync(csvFile, stringify([['submission', 'lab', 'status', 'score %', ...names.map((n) => `${n} %`)], ...rows]));
  return csvFile;
}

export async function runGrade(opts: GradeOptions): Promise<number> {
  const timeLimitS = opts.timeLimit ?? DEFAULT_TIME_LIMIT_S;
  if (!opts.lab) return gradeAllLabs(opts);
  const lab = opts.lab;
  const folders = opts.impl ? classFolders(lab, opts.impl) : undefined;
  if (folders) return gradeClass(lab, folders, { ...opts, timeLimit: timeLimitS });

  const implDir = opts.impl ? implDirFor(lab.dir, opts.impl) : undefined;
  const label = opts.impl === 'starter' ? 'starter' : (implDir ?? 'src');
  if (!opts.verbose) console.error(pc.dim(`grading ${lab.id} on ${label}… (--verbose shows the test output)`));
  const g = await gradeOne(lab, implDir, { verbose: opts.verbose, timeLimitS, exercisesOnly: opts.exercisesOnly, label });
  console.log(`${pc.bold(`${lab.id} ${lab.title}`)} on ${label}: ${pc.bold(`${g.score} %`)} of exercises${g.message ? pc.red(` — ${g.message}`) : ''}`);
  console.log(exerciseTable(g));
  if (g.checks.length) console.log(checksLine(g));
  const csv = writeOutputs(opts.out, [g]);
  console.log(pc.dim(`wrote ${path.relative(process.cwd(), opts.out)} and ${path.relative(process.cwd(), csv)}`));
  return allPass(g) ? 0 : 1;
}

async function gradeClass(lab: LabEntry, folders: string[], opts: GradeOptions & { timeLimit: number }): Promise<number> {
  const bar = new SingleBar({ format: `grading ${lab.id} {bar} {value}/{total} {who}`, stream: process.stderr, hideCursor: true });
  bar.start(folders.length, 0, { who: '' });
  const grades: LabGrade[] = [];
  for (const dir of folders) {
    bar.update({ who: path.basename(dir) });
    grades.push(await gradeOne(lab, dir, { timeLimitS: opts.timeLimit, label: path.basename(dir) }));
    bar.increment();
  }
  bar.stop();
  const names = labExercises(lab.dir);
  const t = new Table({ head: ['submission', 'status', 'score %', ...names.map((n) => n.match(EXERCISE)![0])] });
  for (const g of grades) {
    t.push([g.impl, g.status === 'graded' ? g.status : pc.red(g.status), g.score, ...names.map((n) => {
      const e = g.exercises.find((x) => x.name === n);
      return e ? `${e.passed}/${e.total}` : '—';
    })]);
  }
  console.log(t.toString());
  const csv = writeOutputs(opts.out, grades);
  console.log(pc.dim(`wrote ${path.relative(process.cwd(), opts.out)} and ${path.relative(process.cwd(), csv)}`));
  return grades.every(allPass) ? 0 : 1;
}

async function gradeAllLabs(opts: GradeOptions): Promise<number> {
  const labs = discoverLabs();
  if (!opts.verbose) console.error(pc.dim(`grading ${labs.length} labs on src… (--verbose shows the test output)`));
  const run = await runVitest(labs, implEnv(labs[0]!, undefined), { verbose: opts.verbose, exercisesOnly: opts.exercisesOnly });
  if (!run.json) {
    console.error(pc.red(`vitest produced no results${opts.verbose ? '' : `:\n${run.output.split('\n').slice(-20).join('\n')}`}`));
    return 1;
  }
  const grades = labs.map((l) => gradeFromResults(run.json!, l));
  const t = new Table({ head: ['lab', 'title', 'exercises passed', 'score %', 'checks passed'] });
  for (const g of grades) {
    const done = g.exercises.filter((e) => e.total && e.passed === e.total).length;
    t.push([g.id, g.title, `${done}/${g.exercises.length}`, g.score, `${g.checks.filter((c) => c.passed === c.total).length}/${g.checks.length}`]);
  }
  console.log(t.toString());
  const csv = writeOutputs(opts.out, grades);
  console.log(pc.dim(`wrote ${path.relative(process.cwd(), opts.out)} and ${path.relative(process.cwd(), csv)}`));
  return grades.every(allPass) ? 0 : 1;
}
