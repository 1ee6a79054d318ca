import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeFromResults } from '../grade';
import { implDirFor, resolveImpl } from '../impl-resolve.mjs';
import { discoverLabs } from '../labs';
import { createLab } from '../new-lab';

const tmp = mkdtempSync(path.join(tmpdir(), 'wb-harness-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('grading', () => {
  it('counts passed/total per lab and per exercise; a file that fails to load counts as a failure', () => {
    const lab = { id: '9.9.9', title: 'x', dir: '/labs/9.9.9-x', folder: '9.9.9-x', hasStarter: true };
    const grades = gradeFromResults(
      {
        testResults: [
          {
            name: '/labs/9.9.9-x/test/a.test.ts',
            status: 'failed',
            assertionResults: [
              { ancestorTitles: ['exercise 1: a'], title: 't1', status: 'passed', failureMessages: [] },
              { ancestorTitles: ['exercise 1: a'], title: 't2', status: 'failed', failureMessages: ['Not implemented yet: exercise 1\n  at …'] },
            ],
          },
          { name: '/labs/9.9.9-x/test/b.test.ts', status: 'failed', message: 'SyntaxError: oops', assertionResults: [] },
          { name: '/labs/other/test/c.test.ts', status: 'passed', assertionResults: [{ ancestorTitles: [], title: 'z', status: 'passed', failureMessages: [] }] },
        ],
      },
      [lab],
    );
    expect(grades[0]).toMatchObject({ passed: 1, total: 3, percent: 33.3 });
    expect(grades[0]!.groups[0]).toMatchObject({ name: 'exercise 1: a', passed: 1, total: 2, failures: [{ test: 't2', message: 'Not implemented yet: exercise 1' }] });
    expect(grades[0]!.groups[1]).toMatchObject({ name: 'b.test.ts', passed: 0, total: 1 });
  });
});

describe('learner mode import swap', () => {
  const lab = path.join(tmp, 'lab');
  mkdirSync(path.join(lab, 'src'), { recursive: true });
  mkdirSync(path.join(lab, 'starter'), { recursive: true });
  for (const f of ['src/core.ts', 'src/util.ts', 'starter/core.ts']) writeFileSync(path.join(lab, f), '');
  const dirs = { srcDir: path.join(lab, 'src'), implDir: path.join(lab, 'starter') };

  it('answers an import of src/ from the implementation when it has the file, else from src/', () => {
    expect(resolveImpl('../src/core', path.join(lab, 'test/x.test.ts'), dirs)).toBe(path.join(lab, 'starter/core.ts'));
    expect(resolveImpl('../src/util.js', path.join(lab, 'test/x.test.ts'), dirs)).toBe(path.join(lab, 'src/util.ts'));
    expect(resolveImpl('./util', path.join(lab, 'starter/core.ts'), dirs)).toBe(path.join(lab, 'src/util.ts'));
    expect(resolveImpl('ioredis', path.join(lab, 'test/x.test.ts'), dirs)).toBeUndefined();
    expect(resolveImpl('../other', path.join(lab, 'test/x.test.ts'), dirs)).toBeUndefined();
  });

  it('names a missing implementation folder', () => {
    expect(implDirFor(lab, 'starter')).toBe(path.join(lab, 'starter'));
    expect(() => implDirFor(lab, path.join(tmp, 'nope'))).toThrow(/implementation folder not found/);
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
