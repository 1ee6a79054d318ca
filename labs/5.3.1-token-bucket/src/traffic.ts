// The same bursty traffic for every algorithm, on a simulated clock: a burst straddling a window
// boundary, then a steady stream at twice the limit, then a burst after a long pause.
export interface Phase {
  name: string;
  /** Request times, ms from the start. */
  times: number[];
}

/** Traffic for a limit of `limit` per `windowMs` (the demo uses 10 per second). */
export function burstyTraffic(limit: number, windowMs: number): Phase[] {
  const n = Math.round(limit * 1.5);
  const range = (count: number, start: number, step: number) => Array.from({ length: count }, (_, i) => start + i * step);
  return [
    // Half a burst just before the boundary of window 1 and half just after it.
    { name: 'burst across a window boundary', times: [...range(n, windowMs - 50, 1), ...range(n, windowMs, 1)] },
    // Twice the allowed rate for two windows.
    { name: 'steady at 2x the rate', times: range(limit * 4, windowMs + 100, windowMs / (limit * 2)) },
    // Idle for a while, then a burst: who lets the idle client spend its allowance at once?
    { name: 'burst after idling', times: range(n, windowMs * 6, 1) },
  ];
}

/** The most requests allowed inside any window of `windowMs` (what "at most N per window" promises). */
export function maxInAnyWindow(allowedTimes: number[], windowMs: number): number {
  const t = [...allowedTimes].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi]! - t[lo]! >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

export interface Replay {
  perPhase: number[];
  allowedTimes: number[];
}

/** Plays the phases through `hit` (one request at simulated time `start + t`) in order. */
export async function replay(phases: Phase[], start: number, hit: (now: number) => Promise<boolean>): Promise<Replay> {
  const perPhase: number[] = [];
  const allowedTimes: number[] = [];
  for (const phase of phases) {
    let allowed = 0;
    for (const t of phase.times) {
      if (await hit(start + t)) {
        allowed++;
        allowedTimes.push(t);
      }
    }
    perPhase.push(allowed);
  }
  return { perPhase, allowedTimes };
}
