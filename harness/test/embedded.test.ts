// The embedded path end to end, as a learner without system servers meets it (WORKBOOK_SERVICES=embedded
// forces it on a machine that has them): a Postgres-backed lab's suite, `services` from two commands at
// once, the lab's demo sharing the running servers, and `services -- stop` leaving nothing running.
// Its own data folder, so it never touches a learner's .workbook/.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedUnavailableError, ensureEmbedded, pidAlive, runningEmbedded, stopEmbedded, type EmbeddedState } from '../embedded';
import { findBinaries, hydrateSymlinks } from '../embedded-postgres';

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '..', '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wb-embedded-'));
// As root, Postgres runs as another user, who must be able to enter the folder.
chmodSync(dir, 0o755);

/** The parent's env without the URLs global-setup resolved (they would win over the switch) or vitest's own. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, WORKBOOK_SERVICES: 'embedded', WORKBOOK_DATA_DIR: dir, NO_COLOR: '1', ...extra };
  for (const k of Object.keys(env)) if (k === 'REDIS_URL' || k === 'DATABASE_URL' || k.startsWith('VITEST') || k === 'NODE_OPTIONS' || k === 'FORCE_COLOR') delete env[k];
  return env;
}

async function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, args, { cwd: root, env: childEnv(extraEnv), maxBuffer: 16 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const cli = (...args: string[]) => run(['--import', 'tsx', 'harness/cli.ts', ...args]);

function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function expectGone(servers: EmbeddedState) {
  expect(await runningEmbedded(dir)).toEqual({});
  for (const s of Object.values(servers)) {
    expect(pidAlive(s!.pid), `${s!.kind} pid ${s!.pid}`).toBe(false);
    expect(await refuses(s!.port), `${s!.kind} port ${s!.port}`).toBe(true);
  }
}

afterAll(async () => {
  await stopEmbedded(undefined, dir).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe.sequential('embedded services (WORKBOOK_SERVICES=embedded)', () => {
  let servers: EmbeddedState = {};

  it("runs 5.2.2's read-through suite on servers it starts, and stops them when the suite ends", async () => {
    const r = await run(['node_modules/vitest/vitest.mjs', 'run', 'labs/5.2.2-article-cache/test/read-through.test.ts']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Tests\s+\d+ passed \(\d+\)/);
    expect(r.out).not.toMatch(/failed|skipped/);
    const state = JSON.parse(readFileSync(path.join(dir, 'services.json'), 'utf8')) as EmbeddedState;
    expect(state).toEqual({}); // the suite's teardown stopped what its setup started
    expect(await runningEmbedded(dir)).toEqual({});
  }, 180_000);

  it('two commands at once start one Redis and one Postgres and share them', async () => {
    const [a, b] = await Promise.all([cli('services'), cli('services')]);
    expect(a.code, a.out).toBe(0);
    expect(b.code, b.out).toBe(0);
    servers = await runningEmbedded(dir);
    const { redis, postgres } = servers;
    expect(redis?.version).toMatch(/^7\.0\./); // what the labs target (CI has 7.0 on PATH)
    expect(postgres?.version).toMatch(/^15\./);
    for (const out of [a.out, b.out]) {
      expect(out).toContain(`redis://127.0.0.1:${redis!.port}`);
      expect(out).toContain(`postgres://postgres@127.0.0.1:${postgres!.port}/test`);
    }
    // Exactly one of the two started each server; the other found it running.
    const both = a.out + b.out;
    expect(both.match(/started now/g)).toHaveLength(2);
    expect(both.match(/already running/g)).toHaveLength(2);
  }, 120_000);

  it("the lab's demo uses the running servers instead of starting more", async () => {
    const r = await cli('lab', '5.2.2');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('read-through: GET article');
    expect(r.out).not.toMatch(/\n\s+at /);
    expect(await runningEmbedded(dir)).toEqual(servers);
  }, 180_000);

  it('`services -- stop` stops both and leaves nothing running', async () => {
    const r = await cli('services', 'stop');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`stopped the embedded redis on 127.0.0.1:${servers.redis!.port}`);
    expect(r.out).toContain(`stopped the embedded postgres on 127.0.0.1:${servers.postgres!.port}`);
    await expectGone(servers);
  }, 60_000);
});

describe('embedded services: what goes wrong', () => {
  it('a platform without an embedded-postgres package gets a clear error', () => {
    expect(() => findBinaries('@embedded-postgres/plan9-mips')).toThrow(EmbeddedUnavailableError);
    expect(() => findBinaries('@embedded-postgres/plan9-mips')).toThrow(/no embedded PostgreSQL for this platform .*@embedded-postgres\/plan9-mips/);
  });

  it('`services` with an unknown action exits 2 and names the one it has', async () => {
    const r = await cli('services', 'restart');
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain('unknown services action "restart" (try: npm run services -- stop)');
  }, 60_000);

  it("an install that ran no postinstall gets the package's library symlinks restored at first start", () => {
    const pkg = mkdtempSync(path.join(os.tmpdir(), 'wb-pgpkg-'));
    try {
      mkdirSync(path.join(pkg, 'native', 'lib'), { recursive: true });
      writeFileSync(path.join(pkg, 'native', 'lib', 'libicuuc.so.60.2'), 'the library');
      const links = [{ source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so.60' }];
      writeFileSync(path.join(pkg, 'native', 'pg-symlinks.json'), JSON.stringify(links));
      hydrateSymlinks(pkg);
      hydrateSymlinks(pkg); // the second time finds them in place
      expect(readlinkSync(path.join(pkg, 'native', 'lib', 'libicuuc.so.60'))).toBe('libicuuc.so.60.2');
      expect(readFileSync(path.join(pkg, 'native', 'lib', 'libicuuc.so.60'), 'utf8')).toBe('the library');
    } finally {
      rmSync(pkg, { recursive: true, force: true });
    }
  });

  it('without redis-server on PATH, the switch gives a clear message that installing it is enough', async () => {
    const bin = mkdtempSync(path.join(os.tmpdir(), 'wb-path-')); // a PATH with node and nothing else
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const r = await run(['--import', 'tsx', 'harness/cli.ts', 'lab', '5.1.1'], { PATH: bin }).finally(() => rmSync(bin, { recursive: true, force: true }));
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain('No Redis for WORKBOOK_SERVICES=embedded: the embedded redis did not start (no redis-server on PATH');
    expect(r.out).toContain('Installing redis-server is enough');
    expect(r.out).not.toMatch(/\n\s+at /);
  }, 60_000);

  it("a lock and a state left by a command that died are taken over, and the dead server is started again", async () => {
    const own = mkdtempSync(path.join(os.tmpdir(), 'wb-embedded-stale-'));
    try {
      const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // a pid that has exited
      writeFileSync(path.join(own, 'services.lock'), String(dead));
      const stale = { kind: 'redis', port: 1, pid: dead, url: 'redis://127.0.0.1:1', version: '7.0.0', startedAt: '' };
      writeFileSync(path.join(own, 'services.json'), JSON.stringify({ redis: stale }));
      const first = await ensureEmbedded('redis', own);
      expect(first.started).toBe(true);
      expect(first.server.pid).not.toBe(dead);
      expect(await ensureEmbedded('redis', own)).toEqual({ server: first.server, started: false });
      expect(existsSync(path.join(own, 'services.lock'))).toBe(false);
      expect(await stopEmbedded(['redis'], own)).toEqual([first.server]);
      expect(pidAlive(first.server.pid)).toBe(false);
    } finally {
      await stopEmbedded(['redis'], own).catch(() => {});
      rmSync(own, { recursive: true, force: true });
    }
  }, 60_000);
});
