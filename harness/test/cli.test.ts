// The CLI as a learner meets it: clear messages and exit 2 when something is wrong, no stack traces.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, vi } from 'vitest';

const run = promisify(execFile);
// Each case starts the CLI (1-2 s of CPU), and the suite runs beside it: a generous bound for a hang.
vi.setConfig({ testTimeout: 120_000 });

const root = path.resolve(import.meta.dirname, '..', '..');

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'harness/cli.ts', ...args], { cwd: root, env: { ...process.env, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

// Each case is its own process, so they run side by side.
describe.concurrent('workbook CLI', () => {
  it('lists the labs with titles', async () => {
    const { code, out } = await cli(['lab']);
    expect(code).toBe(0);
    expect(out).toMatch(/5\.1\.1\s+Redis-powered leaderboard tracker/);
  });

  it('an unknown lab exits 2 and lists the labs', async () => {
    const { code, out } = await cli(['lab', '9.9.9']);
    expect(code).toBe(2);
    expect(out).toContain('Unknown lab "9.9.9"');
    expect(out).toContain('5.1.1');
  });

  it('with Redis unreachable, a lab exits 2 with how to start it and no stack trace', async () => {
    const { code, out } = await cli(['lab', '5.1.1'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(2);
    expect(out).toContain('Redis is not answering at redis://127.0.0.1:1');
    expect(out).toContain('docker compose up -d redis');
    expect(out).toContain('redis-server --daemonize yes');
    expect(out).not.toMatch(/\n\s+at /);
  });

  // 5.1.1 declares `services: { run: ['redis'], bench: ['redis', 'postgres'] }`: each command asks for its own.
  it('with Postgres unreachable, a Redis-only demo still runs', async () => {
    const { code, out } = await cli(['lab', '5.1.1'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    expect(code).toBe(0);
    expect(out).toMatch(/updates received on the channel/);
    expect(out).not.toContain('PostgreSQL');
  });

  it('with Postgres unreachable, a bench that compares with Postgres exits 2 naming it, before measuring', async () => {
    const { code, out } = await cli(['bench', '5.1.1', '--quick'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    expect(code).toBe(2);
    expect(out).toContain('PostgreSQL is not answering at postgres://postgres@127.0.0.1:1/test');
    expect(out).not.toContain('bench 5.1.1 —'); // nothing started: the header comes after the services
    expect(out).not.toContain('load Redis');
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('services prints what it found', async () => {
    const { code, out } = await cli(['services']);
    expect(code).toBe(0);
    expect(out).toMatch(/redis.*\d+\.\d+\.\d+/);
    expect(out).toMatch(/postgres.*\d+\.\d+/);
  });

  it('services exits 2 naming the missing one', async () => {
    const { code, out } = await cli(['services'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    expect(code).toBe(2);
    expect(out).toContain('PostgreSQL is not answering');
  });

  it('a mistyped --impl folder exits 2 with the message and no stack trace', async () => {
    const { code, out } = await cli(['lab', '5.1.1', '--impl', 'no/such/folder']);
    expect(code).toBe(2);
    expect(out).toContain('implementation folder not found');
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('report names a file that is not a report and exits 2', async () => {
    const { code, out } = await cli(['report', 'package.json']);
    expect(code).toBe(2);
    expect(out).toContain('package.json: not a workbook report');
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('grade needs a lab id with --impl', async () => {
    const { code, out } = await cli(['grade', '--impl', 'starter']);
    expect(code).toBe(2);
    expect(out).toContain('--impl grades one lab');
  });
});
