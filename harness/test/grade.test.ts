// The grading rules, unit by unit (resolution, scoring) and end to end on lab 5.2.1 (the fastest
// suite): an empty folder, cheats, a correct copy outside the repository and a class of submissions.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { gradeFromResults, labExercises, type LabGrade } from '../grade';
import { implDirFor, implFileFor, implMapping, MissingExerciseFileError, resolveImpl } from '../impl-resolve.mjs';
import { findLab, ROOT } from '../labs';

// Each case starts the CLI (1-2 s of CPU), and the suite runs beside it: a generous bound for a hang.
vi.setConfig({ testTimeout: 120_000 });

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(tmpdir(), 'wb-grade-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolution: the folder stands in for src/', () => {
  const lab = path.join(tmp, 'lab');
  const impl = path.join(tmp, 'elsewhere', 'a', 'b', 'mine');
  for (const d of ['src', 'starter', 'test']) mkdirSync(path.join(lab, d), { recursive: true });
  mkdirSync(impl, { recursive: true });
  for (const f of ['src/core.ts', 'src/util.ts', 'src/script.lua', 'src/helper.lua', 'starter/core.ts', 'starter/script.lua', 'starter/gone.ts', 'src/gone.ts']) {
    writeFileSync(path.join(lab, f), 'export const x = 1;\n');
  }
  for (const f of ['core.ts', 'util.ts', 'script.lua']) writeFileSync(path.join(impl, f), '');
  const m = [implMapping(lab, impl)];
  const test = path.join(lab, 'test/x.test.ts');
  const graded = path.join(impl, 'core.ts');

  it('answers exercise files from the folder, other files from src/, wherever the folder is', () => {
    expect(resolveImpl('../src/core', test, m)).toEqual({ file: path.join(impl, 'core.ts') });
    expect(resolveImpl('../src/util.js', test, m)).toEqual({ file: path.join(lab, 'src/util.ts') });
    expect(resolveImpl('./util', graded, m)).toEqual({ file: path.join(lab, 'src/util.ts') });
    expect(resolveImpl('ioredis', test, m)).toBeUndefined();
    expect(resolveImpl('../other', test, m)).toBeUndefined();
  });

  it('resolves an import pointing out of the folder as it would from src/', () => {
    // a starter's ../../shared/errors (seen from src/: <tmp>/shared/errors.ts), in a folder of another depth
    mkdirSync(path.join(tmp, 'shared'), { recursive: true });
    writeFileSync(path.join(tmp, 'shared/errors.ts'), '');
    expect(resolveImpl('../../shared/errors', graded, m)).toEqual({ file: path.join(tmp, 'shared/errors.ts') });
  });

  it('fails an exercise file the folder lacks with "missing file", never the reference', () => {
    expect(resolveImpl('../src/gone', test, m)).toMatchObject({ missing: 'gone.ts', implDir: impl });
    expect(() => implFileFor(path.join(lab, 'src/missing-here.lua'), m)).not.toThrow();
  });

  it('refuses graded code that reaches a reference exercise file: relative, absolute, file: URL', () => {
    const ref = path.join(lab, 'src/core.ts');
    expect(resolveImpl('../src/core', graded, m)).toEqual({ refused: ref, importer: graded });
    expect(resolveImpl(ref, graded, m)).toEqual({ refused: ref, importer: graded });
    expect(resolveImpl(pathToFileURL(ref).href, graded, m)).toEqual({ refused: ref, importer: graded });
    expect(resolveImpl('./core', path.join(impl, 'util.ts'), m)).toEqual({ file: path.join(impl, 'core.ts') });
  });

  it('reads exercise scripts from the folder, other scripts from src/', () => {
    expect(implFileFor(path.join(lab, 'src/script.lua'), m)).toBe(path.join(impl, 'script.lua'));
    expect(implFileFor(path.join(impl, 'helper.lua'), m)).toBe(path.join(lab, 'src/helper.lua'));
    // a starter's new URL('../src/script.lua', import.meta.url) in a copy outside the repository
    expect(implFileFor(path.join(impl, '../src/script.lua'), m)).toBe(path.join(impl, 'script.lua'));
    rmSync(path.join(impl, 'script.lua'));
    expect(() => implFileFor(path.join(lab, 'src/script.lua'), m)).toThrow(MissingExerciseFileError);
    expect(() => implFileFor(path.join(lab, 'src/script.lua'), m)).toThrow(/missing file script\.lua/);
  });

  it('names a missing implementation folder', () => {
    expect(implDirFor(lab, 'starter')).toBe(path.join(lab, 'starter'));
    expect(() => implDirFor(lab, path.join(tmp, 'nope'))).toThrow(/implementation folder not found/);
  });
});

describe('refusal in a graded process', () => {
  it('refuses fs reads of reference exercise files (.lua and .ts) and reads the folder\'s scripts instead', async () => {
    const lab = findLab('5.3.4');
    const impl = path.join(tmp, 'lua-impl');
    mkdirSync(impl, { recursive: true });
    writeFileSync(path.join(impl, 'release.lua'), 'return 0\n');
    const src = (f: string) => JSON.stringify(path.join(lab.dir, 'src', f));
    const script = [
      `await import(${JSON.stringify(pathToFileURL(path.join(ROOT, 'harness/impl-guard.ts')).href)});`,
      "const { readFileSync } = await import('node:fs');",
      "const luaFile = globalThis[Symbol.for('workbook.luaFile')];",
      'const tryIt = (f) => { try { return f(); } catch (e) { return e.message; } };',
      `console.log(JSON.stringify([`,
      `  tryIt(() => readFileSync(${src('acquire.lua')}, 'utf8')),`,
      `  tryIt(() => readFileSync(${src('lock.ts')}, 'utf8')),`,
      `  tryIt(() => readFileSync(${src('lock-base.ts')}, 'utf8').length > 0),`,
      `  tryIt(() => luaFile(${src('release.lua')})),`,
      `  tryIt(() => luaFile(${src('acquire.lua')})),`,
      `]));`,
    ].join('\n');
    const env = { ...process.env, LAB_IMPL_SRC: path.join(lab.dir, 'src'), LAB_IMPL_DIR: impl };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, env });
    const [luaRead, tsRead, providedRead, ownScript, missingScript] = JSON.parse(stdout) as [string, string, boolean, string, string];
    expect(luaRead).toMatch(/^refused: .*acquire\.lua/);
    expect(tsRead).toMatch(/^refused: .*lock\.ts/);
    expect(providedRead).toBe(true);
    expect(ownScript).toBe(path.join(impl, 'release.lua'));
    expect(missingScript).toMatch(/^missing file acquire\.lua/);
  }, 60_000);
});

describe('scoring: exercise groups only, in order; checks apart', () => {
  it('scores exercise groups, keeps other groups as checks, and counts a file that fails to load', () => {
    const dir = path.join(tmp, 'scored');
    mkdirSync(path.join(dir, 'test'), { recursive: true });
    writeFileSync(path.join(dir, 'test/b.test.ts'), "describe('exercise 2: b', () => {});\ndescribe('exercise 10: late', () => {});\n");
    const lab = { id: '9.9.9', title: 'x', dir, folder: 'scored', hasStarter: true };
    const g = gradeFromResults(
      {
        testResults: [
          {
            name: path.join(dir, 'test/a.test.ts'),
            status: 'failed',
            assertionResults: [
              { ancestorTitles: ['provided parser'], title: 'p', status: 'passed', failureMessages: [] },
              { ancestorTitles: ['exercise 1: a'], title: 't1', status: 'passed', failureMessages: [] },
              { ancestorTitles: ['exercise 1: a', 'inner'], title: 't2', status: 'failed', failureMessages: [`Error: ${'x'.repeat(400)}\n  at …`] },
            ],
          },
          { name: path.join(dir, 'test/b.test.ts'), status: 'failed', message: 'SyntaxError: oops', assertionResults: [] },
        ],
      },
      lab,
    );
    expect(g.exercises.map((e) => e.name)).toEqual(['exercise 1: a', 'exercise 2: b', 'exercise 10: late']);
    expect(g.exercises[0]).toMatchObject({ passed: 1, total: 2 });
    expect(g.exercises[0]!.firstFailure!.startsWith('inner › t2: Error: xxx')).toBe(true);
    expect(g.exercises[0]!.firstFailure!.length).toBeLessThanOrEqual(200);
    expect(g.exercises[1]).toMatchObject({ passed: 0, total: 1, firstFailure: 'load: SyntaxError: oops' });
    expect(g.checks).toEqual([{ name: 'provided parser', passed: 1, total: 1 }]);
    expect(g.score).toBe(16.7);
  });
});

// End to end, through the CLI, on 5.2.1 (exercise files lru.ts, memo-key.ts, single-flight.ts).
const LAB = findLab('5.2.1');
const SRC = path.join(LAB.dir, 'src');

async function grade(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', 'harness/cli.ts', 'grade', ...args], { cwd: ROOT, maxBuffer: 1 << 24, env: { ...process.env, FORCE_COLOR: '0' } });
    return { code: 0, ...r };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const gradesOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { grades: LabGrade[] }).grades;

describe('grading a folder end to end', () => {
  it('exits 2 on a usage error', async () => {
    const r = await grade(['--impl', 'starter']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('give its id');
    expect((await grade(['5.2.1', '--impl', path.join(tmp, 'no-such-folder')])).code).toBe(2);
  });

  it('scores a correct copy of src/ outside the repository 100 % and exits 0', async () => {
    const copy = path.join(tmp, 'copy-of-src');
    cpSync(SRC, copy, { recursive: true });
    const out = path.join(tmp, 'copy.json');
    const ok = await grade(['5.2.1', '--impl', copy, '--out', out, '--exercises-only']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(gradesOf(out)[0]).toMatchObject({ score: 100, status: 'graded' });
    expect(ok.stdout.split('\n').length).toBeLessThan(40);
  }, 120_000);
});

describe('a class at once', () => {
  it('grades empty, partial, complete, cheating and looping submissions into one row each', async () => {
    const cls = path.join(tmp, 'class');
    const sub = (name: string, files: Record<string, string>) => {
      mkdirSync(path.join(cls, name), { recursive: true });
      for (const [f, text] of Object.entries(files)) writeFileSync(path.join(cls, name, f), text);
    };
    const lru = readFileSync(path.join(SRC, 'lru.ts'), 'utf8');
    sub('ada-empty', {});
    sub('bob-partial', { 'lru.ts': lru });
    cpSync(SRC, path.join(cls, 'cy-complete'), { recursive: true });
    sub('dan-loops', { 'lru.ts': 'while (true) {}\nexport class LruCache {}\n' });
    // Each exercise file reaches the reference another way.
    sub('eve-imports', {
      'lru.ts': "export * from '../src/lru';\n",
      'memo-key.ts': `export * from ${JSON.stringify(path.join(SRC, 'memo-key.ts'))};\n`,
      'single-flight.ts': `const m = await import(${JSON.stringify(pathToFileURL(path.join(SRC, 'single-flight.ts')).href)});\nexport const SingleFlight = m.SingleFlight;\n`,
    });
    sub('fay-reads', {
      // a copy of the reference's text, made at run time
      'lru.ts': [
        "import { readFileSync, writeFileSync } from 'node:fs';",
        `const text = readFileSync(${JSON.stringify(path.join(SRC, 'lru.ts'))}, 'utf8');`,
        "const copy = new URL('./lru-copy.ts', import.meta.url);",
        'writeFileSync(copy, text);',
        'export const { LruCache } = await import(copy.href);',
      ].join('\n'),
      'memo-key.ts': [
        "import { createRequire } from 'node:module';",
        `export const { canonicalJson, memoKey, argsPart, READABLE_MAX } = createRequire(import.meta.url)(${JSON.stringify(path.join(SRC, 'memo-key.ts'))});`,
      ].join('\n'),
    });
    const out = path.join(tmp, 'class.json');
    const r = await grade(['5.2.1', '--impl', path.join(cls, '*'), '--out', out, '--time-limit', '45', '--exercises-only']);
    expect(r.code).toBe(1);
    const rows = Object.fromEntries(gradesOf(out).map((g) => [g.impl, g]));
    expect(Object.keys(rows)).toEqual(['ada-empty', 'bob-partial', 'cy-complete', 'dan-loops', 'eve-imports', 'fay-reads']);
    expect(rows['ada-empty']).toMatchObject({ status: 'graded', score: 0 });
    for (const e of rows['ada-empty']!.exercises) expect(e.firstFailure).toMatch(/missing file/);
    expect(rows['bob-partial']!.exercises.map((e) => e.passed === e.total)).toEqual([true, false, false]);
    expect(rows['cy-complete']).toMatchObject({ status: 'graded', score: 100 });
    expect(rows['dan-loops']).toMatchObject({ status: 'timeout', score: 0 });
    expect(rows['eve-imports']!.score).toBe(0);
    for (const e of rows['eve-imports']!.exercises) expect(e.firstFailure).toMatch(/refused/);
    expect(rows['fay-reads']!.score).toBe(0);
    expect(rows['fay-reads']!.exercises[0]!.firstFailure).toMatch(/refused/);

    const csv = readFileSync(out.replace(/\.json$/, '.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(stringify([['submission', 'lab', 'status', 'score %', ...labExercises(LAB.dir).map((n) => `${n} %`)]]).trim());
    expect(csv.slice(1)).toEqual([
      'ada-empty,5.2.1,graded,0,0,0,0',
      'bob-partial,5.2.1,graded,33.3,100,0,0',
      'cy-complete,5.2.1,graded,100,100,100,100',
      'dan-loops,5.2.1,timeout,0,0,0,0',
      'eve-imports,5.2.1,graded,0,0,0,0',
      'fay-reads,5.2.1,graded,0,0,0,0',
    ]);
  }, 300_000);
});
