// Embedded services: Redis and Postgres the harness starts itself when nothing answers on the default
// ports. They keep their data in one git-ignored folder (`.workbook/`, or WORKBOOK_DATA_DIR), listen on
// free loopback ports, and outlive the command that started them, so the next command (or one running
// at the same time) finds them through `services.json` instead of starting more. `npm run services --
// stop` stops them. A lock file keeps two commands from starting the same server twice.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { postgresAlive, startPostgres, stopPostgres } from './embedded-postgres';
import { redisAlive, startRedis, stopRedis } from './embedded-redis';
import { pidAlive, type EmbeddedKind, type EmbeddedServer } from './embedded-types';

export { EmbeddedUnavailableError, pidAlive, type EmbeddedKind, type EmbeddedServer } from './embedded-types';

export type EmbeddedState = Partial<Record<EmbeddedKind, EmbeddedServer>>;

const projectRoot = path.resolve(import.meta.dirname, '..');

/** Where the embedded servers keep their data and state. */
export function embeddedDir(): string {
  return path.resolve(process.env.WORKBOOK_DATA_DIR || path.join(projectRoot, '.workbook'));
}

const stateFile = (dir: string) => path.join(dir, 'services.json');

function readState(dir: string): EmbeddedState {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as EmbeddedState;
  } catch {
    return {};
  }
}

function writeState(dir: string, state: EmbeddedState): void {
  const tmp = `${stateFile(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile(dir));
}

async function alive(dir: string, s: EmbeddedServer): Promise<boolean> {
  return s.kind === 'redis' ? redisAlive(s) : postgresAlive(dir, s);
}

/** The recorded servers that are really running (pid and port both answer). */
export async function runningEmbedded(dir = embeddedDir()): Promise<EmbeddedState> {
  const state = readState(dir);
  const out: EmbeddedState = {};
  for (const s of Object.values(state)) if (s && (await alive(dir, s))) out[s.kind] = s;
  return out;
}

/**
 * Holds `<dir>/services.lock` while `fn` runs. A lock whose owner died (its pid is gone) is taken over;
 * a live owner is waited for, since starting Postgres the first time (initdb) takes a few seconds.
 */
async function withLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const lock = path.join(dir, 'services.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSafe(lock));
      if (owner && !pidAlive(owner)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another command (pid ${owner}) holds ${lock}; remove it if that process is gone`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The running embedded server of this kind, started now (`started: true`) when there is none. */
export async function ensureEmbedded(kind: EmbeddedKind, dir = embeddedDir()): Promise<{ server: EmbeddedServer; started: boolean }> {
  const recorded = readState(dir)[kind];
  if (recorded && (await alive(dir, recorded))) return { server: recorded, started: false };
  mkdirSync(dir, { recursive: true });
  return withLock(dir, async () => {
    // Another command may have started it while this one waited for the lock.
    const again = readState(dir)[kind];
    if (again && (await alive(dir, again))) return { server: again, started: false };
    const server = kind === 'redis' ? await startRedis(dir) : await startPostgres(dir);
    writeState(dir, { ...readState(dir), [kind]: server });
    // It outlives this command: say so once, and how to stop it.
    process.stderr.write(`started the embedded ${kind} on 127.0.0.1:${server.port} (pid ${server.pid}, data in ${dir}); it keeps running for the next command until \`npm run services -- stop\`\n`);
    if (kind === 'redis' && newerThan70(server.version)) {
      process.stderr.write(`note: this redis-server is ${server.version}; the labs are written for Redis 7.0 and run on it, but a lab you change must not rely on newer commands\n`);
    }
    return { server, started: true };
  });
}

function newerThan70(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 7 || (major === 7 && minor > 0);
}

/** Stops the embedded servers of `kinds` that are running; returns the ones it stopped. */
export async function stopEmbedded(kinds: EmbeddedKind[] = ['redis', 'postgres'], dir = embeddedDir()): Promise<EmbeddedServer[]> {
  const stopped: EmbeddedServer[] = [];
  await withLock(dir, async () => {
    const state = readState(dir);
    for (const kind of kinds) {
      const s = state[kind];
      if (!s) continue;
      if (!(await alive(dir, s))) {
        delete state[kind]; // already gone
        continue;
      }
      if (kind === 'postgres') await stopPostgres(dir);
      else await stopRedis(s);
      stopped.push(s);
      delete state[kind];
    }
    writeState(dir, state);
  }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err; // no folder: nothing was ever started
  });
  return stopped;
}
