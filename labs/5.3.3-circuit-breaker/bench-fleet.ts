// The propagation bench's calling processes: forks N bench-caller.ts processes once, and per round arms
// them (each builds its own breaker), starts them all, and stamps on this process's monotonic clock the
// arrival of each one's "refused" message. close() kills every child, whatever happened.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ArmMessage, CallerMessage, ParentMessage } from './bench-caller';

export interface RoundResult {
  /** performance.now() when each process's first refusal arrived; undefined if it gave up. */
  refusedAt: Array<number | undefined>;
  /** Failing calls each process made before it was refused. */
  failed: number[];
}

export interface Fleet {
  /** Arms every process, runs `breakIt`, stamps t0, says go; resolves when all have refused or given up. */
  round(arm: Omit<ArmMessage, 'type'>, breakIt: () => Promise<unknown>): Promise<RoundResult & { t0: number }>;
  close(): void;
}

interface Child {
  proc: ChildProcess;
  send(m: ParentMessage): void;
  /** The next message of one of these types (rejects on an error message or the process exiting). */
  next<T extends CallerMessage['type']>(...types: T[]): Promise<Extract<CallerMessage, { type: T }> & { at: number }>;
}

export async function startFleet(processes: number, readyTimeoutMs = 60_000): Promise<Fleet> {
  const children: Child[] = [];
  const close = () => {
    for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  };
  try {
    for (let i = 0; i < processes; i++) children.push(startChild());
    await withTimeout(Promise.all(children.map((c) => c.next('ready'))), readyTimeoutMs, 'bench callers to start');
  } catch (err) {
    close();
    throw err;
  }
  return {
    async round(arm, breakIt) {
      await Promise.all(children.map(async (c) => (c.send({ type: 'arm', ...arm }), c.next('armed'))));
      const outcomes = children.map((c) => c.next('refused', 'gave-up'));
      for (const o of outcomes) o.catch(() => {}); // awaited below; if breakIt throws, nobody would
      await breakIt();
      const t0 = performance.now();
      for (const c of children) c.send({ type: 'go' });
      const got = await withTimeout(Promise.all(outcomes), arm.giveUpMs + 10_000, 'bench callers to finish a round');
      return { t0, refusedAt: got.map((m) => (m.type === 'refused' ? m.at : undefined)), failed: got.map((m) => m.failed) };
    },
    close,
  };
}

function startChild(): Child {
  const proc = fork(fileURLToPath(new URL('./bench-caller.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: process.env,
  });
  const inbox: Array<CallerMessage & { at: number }> = [];
  const waiting: Array<{ types: string[]; resolve: (m: CallerMessage & { at: number }) => void; reject: (e: Error) => void }> = [];
  let dead: Error | undefined;
  const deliver = () => {
    for (let i = 0; i < waiting.length; i++) {
      const w = waiting[i]!;
      const k = inbox.findIndex((m) => w.types.includes(m.type));
      if (k < 0) continue;
      waiting.splice(i--, 1);
      w.resolve(inbox.splice(k, 1)[0]!);
    }
  };
  const fail = (err: Error) => {
    dead ??= err;
    for (const w of waiting.splice(0)) w.reject(dead);
  };
  // The arrival is stamped here, on the parent's clock: it includes the IPC delivery.
  proc.on('message', (m: CallerMessage) => {
    const at = performance.now();
    if (m.type === 'error') return fail(new Error(`bench caller failed: ${m.error}`));
    inbox.push({ ...m, at });
    deliver();
  });
  proc.on('exit', (code, signal) => fail(new Error(`bench caller exited (${signal ?? code})`)));
  proc.on('error', fail);
  return {
    proc,
    send: (m) => proc.send(m),
    next: (...types) =>
      new Promise((resolve, reject) => {
        if (dead) return reject(dead);
        waiting.push({ types, resolve: resolve as (m: CallerMessage & { at: number }) => void, reject });
        deliver();
      }),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
