// The race runner: N actors hit a shared resource at once, in this process and optionally in worker
// processes, then an invariant the lab gives is checked. Its violations are the lesson (lost updates,
// oversold seats) or the proof that the fix works (none).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What an actor module exports (as `default` or a named export): per-process setup (open connections),
 * the actor itself, and teardown.
 */
export interface RaceActor<A = unknown, S = unknown, R = unknown> {
  setup?(args: A): Promise<S> | S;
  act(state: S, index: number, args: A): Promise<R>;
  teardown?(state: S): Promise<void> | void;
}

/** Identity helper that types an actor module. */
export function defineRaceActor<A, S, R>(actor: RaceActor<A, S, R>): RaceActor<A, S, R> {
  return actor;
}

export interface RaceOptions<A, R> {
  /** The actor module: a file URL or absolute path (e.g. `new URL('./buyer.ts', import.meta.url)`). */
  module: URL | string;
  /** Export name in that module (default `default`). */
  exportName?: string;
  /** How many actors in all. */
  actors: number;
  /** Spread the actors over this many worker processes (default 0: all in this process). */
  processes?: number;
  /** JSON-serializable arguments given to setup and every actor. */
  args: A;
  /** Returns the broken rules (empty when the run was correct). */
  invariant?: (results: Array<ActorOutcome<R>>) => string[] | Promise<string[]>;
}

export type ActorOutcome<R> = { index: number; ok: true; value: R; ms: number } | { index: number; ok: false; error: string; ms: number };

export interface RaceResult<R> {
  outcomes: Array<ActorOutcome<R>>;
  violations: string[];
  durationMs: number;
}

const toUrl = (m: URL | string) => (m instanceof URL ? m.href : m.startsWith('file:') ? m : pathToFileURL(m).href);

async function loadActor<A, S, R>(moduleUrl: string, exportName: string): Promise<RaceActor<A, S, R>> {
  const mod = (await import(moduleUrl)) as Record<string, RaceActor<A, S, R>>;
  const actor = mod[exportName];
  if (!actor || typeof actor.act !== 'function') throw new Error(`${moduleUrl} has no race actor export "${exportName}"`);
  return actor;
}

/** Runs actors [from, from+count) concurrently after `ready` resolves; used here and in worker processes. */
export async function runActors<A, S, R>(
  actor: RaceActor<A, S, R>,
  args: A,
  from: number,
  count: number,
  ready: (state: S) => Promise<void> = async () => {},
): Promise<Array<ActorOutcome<R>>> {
  const state = (await actor.setup?.(args)) as S;
  try {
    await ready(state);
    return await Promise.all(
      Array.from({ length: count }, async (_, k): Promise<ActorOutcome<R>> => {
        const index = from + k;
        const t0 = performance.now();
        try {
          const value = await actor.act(state, index, args);
          return { index, ok: true, value, ms: performance.now() - t0 };
        } catch (err) {
          return { index, ok: false, error: (err as Error).message ?? String(err), ms: performance.now() - t0 };
        }
      }),
    );
  } finally {
    await actor.teardown?.(state);
  }
}

export async function runRace<A, R>(opts: RaceOptions<A, R>): Promise<RaceResult<R>> {
  const moduleUrl = toUrl(opts.module);
  const exportName = opts.exportName ?? 'default';
  const processes = opts.processes ?? 0;
  let outcomes: Array<ActorOutcome<R>>;
  let started = 0;

  if (processes <= 0) {
    const actor = await loadActor<A, unknown, R>(moduleUrl, exportName);
    outcomes = await runActors(actor, opts.args, 0, opts.actors, async () => {
      started = performance.now();
    });
  } else {
    const children = splitEvenly(opts.actors, processes).map(({ from, count }) =>
      startChild<A, R>(moduleUrl, exportName, opts.args, from, count),
    );
    try {
      // Every process has done its setup before any actor starts, so the race is real.
      await Promise.all(children.map((c) => c.ready));
      started = performance.now();
      for (const c of children) c.go();
      outcomes = (await Promise.all(children.map((c) => c.done))).flat();
    } finally {
      for (const c of children) c.kill();
    }
  }
  const durationMs = performance.now() - started;
  outcomes.sort((a, b) => a.index - b.index);
  const violations = opts.invariant ? await opts.invariant(outcomes) : [];
  return { outcomes, violations, durationMs };
}

export function splitEvenly(total: number, parts: number): Array<{ from: number; count: number }> {
  const out: Array<{ from: number; count: number }> = [];
  let from = 0;
  for (let p = 0; p < parts; p++) {
    const count = Math.floor(total / parts) + (p < total % parts ? 1 : 0);
    if (count > 0) out.push({ from, count });
    from += count;
  }
  return out;
}

interface Child<R> {
  ready: Promise<void>;
  done: Promise<Array<ActorOutcome<R>>>;
  go(): void;
  kill(): void;
}

type ChildMessage<R> = { type: 'ready' } | { type: 'done'; outcomes: Array<ActorOutcome<R>> } | { type: 'error'; error: string };

function startChild<A, R>(moduleUrl: string, exportName: string, args: A, from: number, count: number): Child<R> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./race-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: process.env,
  });
  let readyResolve!: () => void;
  let fail!: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    fail = reject;
  });
  const done = new Promise<Array<ActorOutcome<R>>>((resolve, reject) => {
    child.on('message', (msg: ChildMessage<R>) => {
      if (msg.type === 'ready') readyResolve();
      else if (msg.type === 'done') resolve(msg.outcomes);
      else {
        const err = new Error(`race worker failed: ${msg.error}`);
        fail(err);
        reject(err);
      }
    });
    child.on('exit', (code) => {
      const err = new Error(`race worker exited with code ${code} before finishing`);
      fail(err);
      reject(err);
    });
  });
  done.catch(() => {});
  child.send({ type: 'start', moduleUrl, exportName, args, from, count });
  return {
    ready,
    done,
    go: () => child.send({ type: 'go' }),
    kill: () => {
      if (child.exitCode === null) child.kill();
    },
  };
}
