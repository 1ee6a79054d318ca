// A Redis server the harness starts itself on a free loopback port, so a test or a drill can stop,
// pause and restart it without touching the shared server on 6379.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './ports';

export interface ManagedRedis {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  /** Stops the server (SIGTERM, nothing saved); clients see connection errors. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections hang instead of failing, like a stalled network. */
  pause(): void;
  resume(): void;
  /** Kills the process outright (SIGKILL): no goodbye to clients, like a crashed host. */
  kill(): Promise<void>;
  /** `CLIENT PAUSE ms ALL` from a side connection: the server answers nobody until it ends. */
  clientPause(ms: number): Promise<void>;
  /** Stops it for good and removes its working folder. */
  dispose(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface ManagedRedisOptions {
  port?: number;
  /** Extra redis-server arguments, e.g. ['--cluster-enabled', 'yes']. */
  args?: string[];
  /** redis-server binary (default from PATH). */
  binary?: string;
}

/** Another process took the port between freePort() and our redis-server (it exited: address in use). */
class PortTakenError extends Error {
  constructor(port: number) {
    super(`port ${port} was taken by another process before redis-server could bind it`);
  }
}

/** Waits for our server to answer; gives up at once if it exited (a port taken meanwhile). */
async function waitForOwn(ready: () => Promise<boolean>, p: ChildProcess, port: number): Promise<void> {
  const exited = new Promise<never>((_, reject) => p.once('exit', () => reject(new PortTakenError(port))));
  exited.catch(() => {});
  await Promise.race([waitFor(ready, { timeoutMs: 10_000, what: `redis-server on port ${port}` }), exited]);
}

export async function startRedisServer(opts: ManagedRedisOptions = {}): Promise<ManagedRedis> {
  // A port picked for us can be taken by another process before the server binds it: pick again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisServerOn(opts.port ?? (await freePort()), opts);
    } catch (err) {
      if (!(err instanceof PortTakenError) || opts.port !== undefined || attempt >= 3) throw err;
    }
  }
}

async function startRedisServerOn(port: number, opts: ManagedRedisOptions): Promise<ManagedRedis> {
  const dir = mkdtempSync(path.join(tmpdir(), `wb-redis-${port}-`));
  let proc: ChildProcess | undefined;

  // A server started with --requirepass answers the readiness PING only after AUTH.
  const passIndex = opts.args?.indexOf('--requirepass') ?? -1;
  const password = passIndex >= 0 ? opts.args![passIndex + 1] : undefined;
  // Ready when the server on the port is the one we started: under load another test's server may have
  // taken a port between freePort() and our spawn, and answering its PING would be a lie.
  const ping = async (mine: ChildProcess) => {
    if (mine.exitCode !== null || mine.signalCode !== null) throw new PortTakenError(port);
    const c = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    c.on('error', () => {});
    try {
      await c.connect();
      return /process_id:(\d+)/.exec(await c.info('server'))?.[1] === String(mine.pid);
    } finally {
      c.disconnect();
    }
  };

  const start = async () => {
    if (proc) return;
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...(opts.args ?? [])];
    const p = spawn(opts.binary ?? 'redis-server', args, { stdio: 'ignore' });
    p.once('error', () => {});
    p.once('exit', () => {
      live.delete(p);
      if (proc === p) proc = undefined;
    });
    live.add(p);
    proc = p;
    await waitForOwn(() => ping(p), p, port);
  };

  const stop = async () => {
    const p = proc;
    if (!p) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGCONT');
    p.kill('SIGTERM');
    await exited;
  };

  try {
    await start();
  } catch (err) {
    proc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return proc !== undefined;
    },
    stop,
    start,
    pause: () => proc?.kill('SIGSTOP'),
    resume: () => proc?.kill('SIGCONT'),
    async kill() {
      const p = proc;
      if (!p) return;
      const exited = new Promise((resolve) => p.once('exit', resolve));
      p.kill('SIGKILL');
      await exited;
    },
    async clientPause(ms: number) {
      const c = new Redis({ port, host: '127.0.0.1', password, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      c.on('error', () => {});
      try {
        await c.call('CLIENT', 'PAUSE', String(ms), 'ALL');
      } finally {
        c.disconnect();
      }
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
