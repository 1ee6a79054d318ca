// Redis for the embedded path: no npm package ships Redis, but a `redis-server` on PATH that nobody
// started is common (apt, brew). It runs detached, so later commands share it until `services -- stop`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { EmbeddedUnavailableError, pidAlive, type EmbeddedServer } from './embedded-types';
import { freePort, waitFor } from './ports';

/** The labs are written for Redis 7.0: an older server lacks commands they use. */
const MIN_VERSION = [7, 0];

export function redisServerVersion(binary = 'redis-server'): string {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (r.error) {
    throw new EmbeddedUnavailableError(
      `no redis-server on PATH (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); installing it is enough: apt install redis-server, brew install redis`,
    );
  }
  const version = /v=(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1];
  if (!version) throw new EmbeddedUnavailableError(`could not read the version of ${binary} (${r.stdout.trim()})`);
  const [major, minor] = version.split('.').map(Number) as [number, number];
  if (major < MIN_VERSION[0]! || (major === MIN_VERSION[0] && minor < MIN_VERSION[1]!)) {
    throw new EmbeddedUnavailableError(`redis-server on PATH is ${version}; the labs need Redis 7.0 or newer`);
  }
  return version;
}

export function redisPaths(dir: string) {
  const home = path.join(dir, 'redis');
  return { home, log: path.join(home, 'redis.log') };
}

/** The pid the server on `port` reports, or undefined when nothing answers there. */
async function serverPid(port: number): Promise<number | undefined> {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: 3000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  c.on('error', () => {});
  try {
    await c.connect();
    const info = await c.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1]);
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

export async function startRedis(dir: string, binary = 'redis-server'): Promise<EmbeddedServer> {
  const version = redisServerVersion(binary);
  const { home, log } = redisPaths(dir);
  mkdirSync(home, { recursive: true });
  const port = await freePort();
  // Memory only, like the docker-compose server (same keyspace events for 5.3.2).
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', home, '--logfile', log, '--notify-keyspace-events', 'Ex'];
  const p = spawn(binary, args, { detached: true, stdio: 'ignore' });
  let exited = false;
  p.once('exit', () => (exited = true));
  p.once('error', () => (exited = true));
  p.unref();
  const pid = p.pid!;
  try {
    await waitFor(async () => (exited ? Promise.reject(new Error('it exited')) : (await serverPid(port)) === pid), { timeoutMs: 10_000, what: `redis-server on port ${port}` });
  } catch (err) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').slice(-2).join(' ') : '';
    if (!exited) process.kill(pid, 'SIGKILL');
    throw new EmbeddedUnavailableError(`redis-server did not start (${(err as Error).message}${tail ? `; ${tail}` : ''})`);
  }
  return { kind: 'redis', port, pid, url: `redis://127.0.0.1:${port}`, version, startedAt: new Date().toISOString() };
}

/** Answers on its port and is the process we recorded. */
export async function redisAlive(s: EmbeddedServer): Promise<boolean> {
  return (await serverPid(s.port)) === s.pid;
}

/** Stops the recorded server only when the process answering its port is the one we started. */
export async function stopRedis(s: EmbeddedServer): Promise<boolean> {
  if ((await serverPid(s.port)) !== s.pid) return false;
  process.kill(s.pid, 'SIGTERM');
  await waitFor(() => !pidAlive(s.pid), { timeoutMs: 10_000, what: `redis-server ${s.pid} to stop` });
  return true;
}
