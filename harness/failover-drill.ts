// The failover drill every service lab takes on Redis Cluster: requests keep coming while the master of
// the lab's hot key is killed (SIGKILL, like a crashed host) and its replica is promoted. It records what
// each request got, so a test can assert "no hang, failures only inside the failover window, deliberate
// 503s with Retry-After, normal again once the replica serves", and a bench can report the error window.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FailoverResult, LocalCluster } from './cluster';
import { failedStatus, startRequestLoops } from './request-loops';

export type FailoverPhase = 'before' | 'failover' | 'after';

export interface FailoverSample {
  phase: FailoverPhase;
  /** HTTP status, or 0 when the request got no answer within `hangMs`. */
  status: number;
  retryAfter: string | null;
  /** When the request started and ended, in ms after the kill (negative before it). */
  startMs: number;
  endMs: number;
  body: string;
}

export interface FailoverDrillOptions {
  cluster: LocalCluster;
  /** A key in the slot whose master dies: the lab's hot key, so the drill hits what matters. */
  key: string;
  request: (signal: AbortSignal) => Promise<Response>;
  concurrency?: number;
  warmMs?: number;
  /** How long the drill goes on after the replica took over. */
  afterMs?: number;
  hangMs?: number;
  /** Start the killed node again afterwards; it rejoins as a replica (a bench's next round needs one). */
  restartKilled?: boolean;
}

export interface FailoverDrillResult {
  samples: FailoverSample[];
  failover: FailoverResult;
  /** Requests that failed (no answer, or any 5xx). */
  failed: FailoverSample[];
  hangs: FailoverSample[];
  /** 5xx other than 503, and 503s without Retry-After: never acceptable, failover or not. */
  unexpected: FailoverSample[];
  /** From the kill until the end of the last failed request (0 when nothing failed). */
  errorWindowMs: number;
  /** Failed requests that started 2 s or more after the replica took over. */
  notRecovered: FailoverSample[];
  slowestMs: number;
}

export async function runFailoverDrill(opts: FailoverDrillOptions): Promise<FailoverDrillResult> {
  const { cluster, key, concurrency = 4, warmMs = 500, afterMs = 3000, hangMs = 5000 } = opts;
  // Absolute times while the drill runs; made relative to the kill at the end (unknown before it).
  const raw: Array<Omit<FailoverSample, 'startMs' | 'endMs'> & { start: number; end: number }> = [];
  let phase: FailoverPhase = 'before';
  let killAt = 0;
  let stopped = false;

  const workers = startRequestLoops({
    request: opts.request,
    hangMs,
    concurrency,
    isStopped: () => stopped,
    context: () => phase,
    record: (a, startPhase) => raw.push({ phase: startPhase, status: a.status, retryAfter: a.retryAfter, start: a.start, end: a.end, body: a.body }),
  });
  let failover: FailoverResult;
  try {
    await sleep(warmMs);
    phase = 'failover';
    killAt = performance.now();
    failover = await cluster.failover(key);
    phase = 'after';
    await sleep(afterMs);
  } finally {
    stopped = true;
    await Promise.all(workers);
  }
  // Leave the cluster as the drill found it (a replica per master), so a bench's next round, or the
  // next drill on the same cluster, has a replica to promote again.
  if (opts.restartKilled) await cluster.restart(failover.killed);

  const samples: FailoverSample[] = raw.map(({ start, end, ...rest }) => ({ ...rest, startMs: start - killAt, endMs: end - killAt }));
  const failed = samples.filter((s) => failedStatus(s.status));
  return {
    samples,
    failover,
    failed,
    hangs: samples.filter((s) => s.status === 0),
    unexpected: samples.filter((s) => (s.status >= 500 && s.status !== 503) || (s.status === 503 && !s.retryAfter)),
    errorWindowMs: Math.max(0, ...failed.map((s) => s.endMs)),
    notRecovered: failed.filter((s) => s.startMs >= failover.ms + 2000),
    slowestMs: Math.max(0, ...samples.map((s) => s.endMs - s.startMs)),
  };
}

/** A one-line account of a failover drill, for a failing assertion's message or a bench row. */
export function describeFailover(r: FailoverDrillResult): string {
  const by = new Map<string, number>();
  for (const s of r.samples) by.set(`${s.phase}:${s.status}`, (by.get(`${s.phase}:${s.status}`) ?? 0) + 1);
  const counts = [...by].map(([k, n]) => `${k}×${n}`).join(' ');
  const odd = [...r.hangs, ...r.unexpected, ...r.notRecovered][0];
  return (
    `replica serving after ${Math.round(r.failover.ms)} ms; ${r.samples.length} requests, ${r.failed.length} failed, ` +
    `error window ${Math.round(r.errorWindowMs)} ms, slowest ${Math.round(r.slowestMs)} ms; ${counts}` +
    (odd ? `; e.g. ${odd.phase} ${odd.status}: ${odd.body.slice(0, 120)}` : '')
  );
}
