// Every lab and the capstone, including a lab added tomorrow: it declares at least one exercise group, and its untouched
// starter scores 0 % — no exercise test passes on it (so exercises grade the learner's work, not code
// the lab provides). One vitest process runs only the exercise groups of all labs, each lab on its
// own starter/ (LAB_IMPL_STARTERS). The reference passing 100 % is the ordinary suite run.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeFromResults, labExercises } from '../grade';
import { discoverLabs, LABS_DIR, ROOT } from '../labs';

const tmp = mkdtempSync(path.join(tmpdir(), 'wb-starters-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const labs = discoverLabs();

describe('every lab grades its starter at 0 % of exercises', () => {
  it('every lab has a starter/ and at least one exercise group', () => {
    for (const lab of labs) {
      expect(existsSync(path.join(lab.dir, 'starter')), `${lab.id} has no starter/`).toBe(true);
      expect(labExercises(lab.dir).length, `${lab.id} declares no describe('exercise N: …') group`).toBeGreaterThan(0);
    }
  });

  it('no exercise test passes on any untouched starter', async () => {
    const out = path.join(tmp, 'starters.json');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')));
    const args = ['node_modules/vitest/vitest.mjs', 'run', 'labs/', 'capstone/', '-t', '^exercise \\d', '--reporter=json', `--outputFile.json=${out}`];
    // A starter's unfinished exercise may leave a test waiting (e.g. race workers retrying a stub):
    // fail it sooner than the usual 30 s. A timed-out test counts as failed, which is what is expected.
    args.push('--testTimeout=3000');
    await promisify(execFile)(process.execPath, args, { cwd: ROOT, env: { ...env, LAB_IMPL_STARTERS: LABS_DIR }, maxBuffer: 1 << 26 }).catch(() => undefined);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    const passing: string[] = [];
    for (const lab of labs) {
      const g = gradeFromResults(json, lab, 'starter');
      for (const e of g.exercises) {
        if (!e.total) passing.push(`${lab.id} ${e.name}: no test ran`);
        else if (e.passed) passing.push(`${lab.id} ${e.name}: ${e.passed}/${e.total} pass on the starter`);
      }
    }
    expect(passing).toEqual([]);
  }, 600_000);
});
