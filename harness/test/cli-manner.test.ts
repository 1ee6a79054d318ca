// One CLI manner in every lab (each lab's usage and argument check in-process, the CLI's exit codes
// through the real CLI): --help prints the lab's usage and exits 0 without touching a service; an unknown
// flag exits 2 with the usage; a busy port, a database the server lacks
// and a refused Postgres login are one line and exit 2; colours only on a terminal, never with NO_COLOR.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkLabArgs, labUsage } from '../lab-usage';
import { discoverLabs, findLab, loadLab } from '../labs';

const run = promisify(execFile);
// Each case starts the CLI (1-2 s of CPU); on a busy shared machine that can take far longer.
vi.setConfig({ testTimeout: 180_000 });
const root = path.resolve(import.meta.dirname, '..', '..');
/** Services nobody answers on: --help and a refused flag must not need them. */
const NOWHERE = { REDIS_URL: 'redis://127.0.0.1:1', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' };
const PLAIN = { NO_COLOR: '', FORCE_COLOR: '', CI: '' };

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'harness/cli.ts', ...args], { cwd: root, env: { ...process.env, ...PLAIN, ...env } });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const labs = discoverLabs();
const STACK = /\n\s+at /;

// Every lab's usage and argument check, in-process (the same functions the CLI calls) …
describe.each(labs.map((l) => [l.id, l] as const))('lab %s', (id, lab) => {
  it('--help is its usage: commands, flags and the services each needs', async () => {
    const def = await loadLab(lab);
    expect(checkLabArgs(def, 'run', ['--help'])).toBe('help');
    const usage = labUsage(def);
    expect(usage).toContain(`${id} — `);
    expect(usage).toContain('Usage:');
    expect(usage).toContain(`npm run lab ${id}`);
    expect(usage).toMatch(/needs (Redis|PostgreSQL)/);
  });

  it('an unknown flag is a usage error that names it', async () => {
    const def = await loadLab(lab);
    expect(() => checkLabArgs(def, 'run', ['--no-such-flag'])).toThrow(/'--no-such-flag'/);
    expect(checkLabArgs(def, 'bench', ['--quick', '--rounds', '2', '--label', 'laptop', '--reference'])).toBe('ok');
  });
});

// … and through the real CLI for two labs (a CLI start costs 1-2 s of CPU): exit codes, no services.
describe.concurrent.each([['5.1.1'], ['5.3.B']] as const)('npm run lab %s through the CLI', (id) => {
  it('--help prints its usage and exits 0, without any service', async () => {
    const { code, out } = await cli(['lab', id, '--help'], NOWHERE);
    expect(out).toContain(`${id} — `);
    expect(out).toContain('Usage:');
    expect(out).not.toContain('not answering');
    expect(code).toBe(0);
  });

  it('an unknown flag exits 2 with the usage', async () => {
    const { code, out } = await cli(['lab', id, '--no-such-flag'], NOWHERE);
    expect(out).toContain("'--no-such-flag'");
    expect(out).toContain('Usage:');
    expect(out).not.toContain('not answering');
    expect(out).not.toMatch(STACK);
    expect(code).toBe(2);
  });
});

describe.concurrent('one CLI manner', () => {
  it.each([[['lab', '5.3.1', 'serve', '--help']], [['bench', '5.3.1', '--help']]])('%j prints the usage too', async (args) => {
    const { code, out } = await cli(args, NOWHERE);
    expect(out).toContain('npm run lab 5.3.1 -- serve [--port N]');
    expect(code).toBe(0);
  });

  it('an unknown serve flag exits 2 with the usage', async () => {
    const { code, out } = await cli(['lab', '5.3.1', 'serve', '--prot', '3000'], NOWHERE);
    expect(out).toContain("'--prot'");
    expect(out).toContain('Usage:');
    expect(code).toBe(2);
  });

  it('a subcommand answers --help with the usage', async () => {
    const ok = await cli(['lab', '5.3.3', 'breaker', '--help'], NOWHERE);
    expect(ok.out).toContain('--reason TEXT');
    expect(ok.code).toBe(0);
  });

  it('a subcommand flag is checked against that subcommand', async () => {
    const bad = await cli(['lab', '5.2.2', 'seed', '--cuont', '5'], NOWHERE);
    expect(bad.out).toContain("'--cuont'");
    expect(bad.code).toBe(2);
  });

  describe('a busy --port', () => {
    let busy: net.Server;
    let port: number;
    beforeAll(async () => {
      busy = net.createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      port = (busy.address() as net.AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

    it('is one line and exit 2', async () => {
      const { code, out } = await cli(['lab', '5.3.1', 'serve', '--port', String(port)]);
      expect(out.trim()).toBe(`port ${port} is already in use: stop what listens there, or pick another with --port N (--port 0 takes any free one)`);
      expect(code).toBe(2);
    });
  });

  it('REDIS_URL naming a database the server lacks exits 2 with the reason (not silently db 0)', async () => {
    const { code, out } = await cli(['lab', '5.1.1'], { REDIS_URL: 'redis://127.0.0.1:6379/999' });
    expect(out).toContain('Redis at redis://127.0.0.1:6379/999 answered but refused: it has no such database');
    expect(out).not.toContain('docker compose');
    expect(out).not.toMatch(STACK);
    expect(code).toBe(2);
  });

  it('a Postgres role that does not exist says so, not "not answering"', async () => {
    const { code, out } = await cli(['lab', '5.3.4'], { DATABASE_URL: 'postgres://no_such_role_13@127.0.0.1:5432/test' });
    expect(out).toContain('PostgreSQL at postgres://no_such_role_13@127.0.0.1:5432/test answered but refused: wrong role or password');
    expect(out).not.toContain('not answering');
    expect(code).toBe(2);
  });

  it('no colours through a pipe, even when CI is set', async () => {
    const { out } = await cli(['lab'], { CI: '1' });
    expect(out).toContain('[starter]');
    expect(out).not.toContain('\x1b[');
  });

  // `script` gives the CLI a real terminal.
  const onTerminal = async (env: Record<string, string>) => {
    const cmd = `${JSON.stringify(process.execPath)} --import tsx harness/cli.ts lab`;
    const { stdout } = await run('script', ['-qec', cmd, '/dev/null'], { cwd: root, env: { ...process.env, ...PLAIN, TERM: 'xterm', ...env } });
    return stdout;
  };

  it('colours on a terminal, none there with NO_COLOR', async () => {
    expect(await onTerminal({})).toContain('\x1b[');
    const plain = await onTerminal({ NO_COLOR: '1' });
    expect(plain).toContain('[starter]');
    expect(plain).not.toContain('\x1b[');
  });
});

describe('planned labs are found from their folders', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'wb-planned-'));
    const lab = (folder: string, files: Record<string, string>) => {
      mkdirSync(path.join(tmp, folder), { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(path.join(tmp, folder, name), text);
    };
    lab('labs/7.1.1-built', { 'lab.ts': "defineLab({ id: '7.1.1', title: 'Built' })" });
    lab('labs/7.1.B-readme-only', { 'README.md': '# 7.1.B — Gateway (planned)\n' });
    lab('labs/7.1.2-says-planned', { 'lab.ts': "defineLab({ id: '7.1.2', title: 'Soon', planned: true })" });
    lab('capstone', { 'README.md': '# Capstone — Reviews\n' });
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('a folder without lab.ts, or whose lab.ts says planned: true, is planned; only built labs run', () => {
    const all = discoverLabs(tmp, { planned: true }).map((l) => `${l.id} ${l.title}${l.planned ? ' (planned)' : ''}`);
    expect(all).toEqual(['7.1.1 Built', '7.1.2 Soon (planned)', '7.1.B Gateway (planned)', 'capstone Reviews (planned)']);
    expect(discoverLabs(tmp).map((l) => l.id)).toEqual(['7.1.1']);
  });

  it('a planned lab asked for by name is refused as planned, not as an unknown lab', () => {
    expect(() => findLab('7.1.B', tmp)).toThrow(/Lab 7\.1\.B \(Gateway\) is planned, not built yet/);
    expect(() => findLab('9.9.9', tmp)).toThrow(/Unknown lab "9\.9\.9"[\s\S]*7\.1\.B +Gateway +\(planned\)/);
  });
});
