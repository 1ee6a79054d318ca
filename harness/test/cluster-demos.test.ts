// The cluster pass runs every lab's narrated demo on the cluster too (`npm run lab <id>` with the
// cluster's redis-cluster:// REDIS_URL from the global setup): it must end by itself, exit 0, and print
// no stack trace. Only in `npm run test:cluster` (vitest.config.ts); the single-node demos are the ones
// learners run every day.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { describe, expect, it, vi } from 'vitest';
import { discoverLabs } from '../labs';

const run = promisify(execFile);
vi.setConfig({ testTimeout: 300_000 });
const root = path.resolve(import.meta.dirname, '..', '..');
const two = pLimit(2); // demos seed and load: two at a time keep a 2-core machine responsive

describe.concurrent('every demo on the cluster', () => {
  it('runs on a cluster URL', () => {
    expect(process.env.REDIS_URL).toMatch(/^redis-cluster:\/\//);
  });
  for (const lab of discoverLabs()) {
    it(`${lab.id} ends by itself, exit 0, no stack trace`, () =>
      two(async () => {
        let out = '';
        let code = 0;
        try {
          const r = await run(process.execPath, ['--import', 'tsx', 'harness/cli.ts', 'lab', lab.id], {
            cwd: root,
            env: { ...process.env, CI: 'true', NO_COLOR: '1' },
            timeout: 240_000,
            maxBuffer: 32 * 1024 * 1024,
          });
          out = r.stdout + r.stderr;
        } catch (err) {
          const e = err as { code: number; stdout: string; stderr: string };
          code = e.code ?? 1;
          out = e.stdout + e.stderr;
        }
        expect(code, out.slice(-2000)).toBe(0);
        expect(out).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
      }));
  }
});
