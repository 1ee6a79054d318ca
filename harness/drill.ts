// The outage drill every service takes: requests keep coming while a private Redis is frozen, then
// killed and restarted. It records what each request got and how long it took, so a test can assert
// "no hang, no 5xx but deliberate 503s with Retry-After, normal again soon after Redis returns".
import { setTimeout as sleep } from 'node:timers/promises';
import type { ManagedRedis } from './faults';
import { failedStatus, startRequestLoops } from './request-loops';

export type DrillPhase = 'before' | 'frozen' | 'down' | 'after';

export interface DrillSample {
  phase: DrillPhase;
  /** HTTP status, or 0 when the request got no answer within `hangMs`. */
  status: number;
  ms: number;
  /** Milliseconds after Redis came back (negative before). */
  sinceRestartMs: number;
  retryAfter: string | null;
  body: string;
}

export interface DrillOptions {
  redis: ManagedRedis;
  /** One request to the service; the drill measures it. */
  request: (signal: AbortSignal) => Promise<Response>;
  concurrency?: number;
  warmMs?: number;
  /** How the freeze is made: SIGSTOP (a stalled host) or CLIENT PAUSE (a busy server). */
  freeze?: 'sigstop' | 'client-pause';
  freezeMs?: number;
  downMs?: number;
  afterMs?: number;
  /** A request still unanswered after this is recorded as a hang (status 0) and abandoned. */
  hangMs?: number;
}

export interface DrillResult {
  samples: DrillSample[];
  /** The slowest answer, in ms. */
  slowestMs: number;
  /** Requests with no answer in time. */
  hangs: DrillSample[];
  /** 5xx other than 503, and 503s without Retry-After. */
  unexpected: DrillSample[];
  /** Requests that started 2 s or more after the restart and still did not get a normal (< 500) answer. */
  notRecovered: DrillSample[];
}

export async function runOutageDrill(opts: DrillOptions): Promise<DrillResult> {
  const { redis, concurrency = 4, warmMs = 500, freezeMs = 3000, downMs = 1500, afterMs = 3000, hangMs = 5000 } = opts;
  const samples: DrillSample[] = [];
  let phase: DrillPhase = 'before';
  let restartAt = Number.POSITIVE_INFINITY;
  let stopped = false;

  const workers = startRequestLoops({
    request: opts.request,
    hangMs,
    concurrency,
    isStopped: () => stopped,
    context: () => ({ phase, sinceRestartMs: performance.now() - restartAt }),
    record: (a, c) => samples.push({ phase: c.phase, status: a.status, ms: a.end - a.start, sinceRestartMs: c.sinceRestartMs, retryAfter: a.retryAfter, body: a.body }),
  });
  try {
    await sleep(warmMs);
    phase = 'frozen';
    if (opts.freeze === 'client-pause') await redis.clientPause(freezeMs);
    else redis.pause();
    await sleep(freezeMs);
    if (opts.freeze !== 'client-pause') redis.resume();
    phase = 'down';
    await redis.kill();
    await sleep(downMs);
    await redis.start();
    restartAt = performance.now();
    phase = 'after';
    await sleep(afterMs);
  } finally {
    redis.resume();
    stopped = true;
    await Promise.all(workers);
  }

  return {
    samples,
    slowestMs: Math.max(0, ...samples.map((s) => s.ms)),
    hangs: samples.filter((s) => s.status === 0),
    unexpected: samples.filter((s) => (s.status >= 500 && s.status !== 503) || (s.status === 503 && !s.retryAfter)),
    notRecovered: samples.filter((s) => s.sinceRestartMs >= 2000 && failedStatus(s.status)),
  };
}

/** A one-line account of a drill, for a failing assertion's message or a bench row. */
export function describeDrill(r: DrillResult): string {
  const by = new Map<string, number>();
  for (const s of r.samples) by.set(`${s.phase}:${s.status}`, (by.get(`${s.phase}:${s.status}`) ?? 0) + 1);
  const counts = [...by].map(([k, n]) => `${k}×${n}`).join(' ');
  const odd = [...r.hangs, ...r.unexpected][0];
  return `${r.samples.length} requests, slowest ${Math.round(r.slowestMs)} ms; ${counts}${odd ? `; e.g. ${odd.phase} ${odd.status}: ${odd.body.slice(0, 120)}` : ''}`;
}
