// The load both drills (drill.ts, failover-drill.ts) put on a service: a few loops, each sending one
// request after another and recording what it got, until the drill says stop.
import { setTimeout as sleep } from 'node:timers/promises';

/** One request as a drill records it. */
export interface Answer {
  /** HTTP status, or 0 when no answer came within `hangMs`. */
  status: number;
  retryAfter: string | null;
  /** The body's first 300 characters (enough to check it names no driver error). */
  body: string;
  /** performance.now() when it was sent and when it ended. */
  start: number;
  end: number;
}

export interface RequestLoopOptions<C> {
  request: (signal: AbortSignal) => Promise<Response>;
  /** A request still unanswered after this is recorded with status 0 and abandoned. */
  hangMs: number;
  concurrency: number;
  isStopped: () => boolean;
  /** What the drill knows when a request starts (its phase…), handed back with the answer. */
  context: () => C;
  record: (answer: Answer, context: C) => void;
}

/** No answer in time (0) or a server error: what a drill counts as failed, and what makes a loop back off. */
export const failedStatus = (status: number): boolean => status === 0 || status >= 500;

/** Starts the loops; the promises settle once `isStopped()` and each loop's last request are done. */
export function startRequestLoops<C>(o: RequestLoopOptions<C>): Array<Promise<void>> {
  const loop = async () => {
    while (!o.isStopped()) {
      const context = o.context();
      const start = performance.now();
      let status = 0;
      let retryAfter: string | null = null;
      let body = '';
      try {
        const res = await o.request(AbortSignal.timeout(o.hangMs));
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        body = (await res.text()).slice(0, 300);
      } catch {
        status = 0;
      }
      o.record({ status, retryAfter, body, start, end: performance.now() }, context);
      if (failedStatus(status)) await sleep(20); // keep a failing loop from spinning the CPU
    }
  };
  return Array.from({ length: o.concurrency }, loop);
}
