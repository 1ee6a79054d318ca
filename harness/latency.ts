// Latency recording on an HDR histogram (hdr-histogram-js): values are kept in nanoseconds with three
// significant digits and reported in microseconds, so a 3 µs Redis hit and a 300 ms query share one scale.
import * as hdr from 'hdr-histogram-js';

export interface LatencyStats {
  count: number;
  /** Microseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  /** Completed operations per second over the measured wall time. */
  opsPerSec: number;
}

export class LatencyRecorder {
  private readonly histogram = hdr.build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
  // Measured wall time, summed over start()/stop() intervals (a bench may time several rounds).
  private wallNs = 0n;
  private runningSince: bigint | undefined;
  private everStarted = false;

  /** `clock` is for tests; a bench uses the process's monotonic clock. */
  constructor(private readonly clock: () => bigint = process.hrtime.bigint) {}

  /** Records one duration in nanoseconds. */
  recordNanos(ns: number | bigint): void {
    this.histogram.recordValue(Math.max(1, Number(ns)));
  }

  /** Marks the start/end of measured wall time used for ops/s; several intervals add up. */
  start(): void {
    if (this.runningSince !== undefined) return;
    this.runningSince = this.clock();
    this.everStarted = true;
  }
  stop(): void {
    if (this.runningSince === undefined) return;
    this.wallNs += this.clock() - this.runningSince;
    this.runningSince = undefined;
  }

  /** Times one async call and records it. */
  async time<T>(fn: () => Promise<T> | T): Promise<T> {
    const t0 = process.hrtime.bigint();
    const result = await fn();
    this.recordNanos(process.hrtime.bigint() - t0);
    return result;
  }

  stats(): LatencyStats {
    const h = this.histogram;
    const count = h.totalCount;
    const wallNs = Number(this.wallNs + (this.runningSince !== undefined ? this.clock() - this.runningSince : 0n));
    const us = (ns: number) => round(ns / 1000);
    // A percentile is reported as its bucket's upper edge, which can exceed the exact max: clamp it.
    const at = (p: number) => us(Math.min(h.getValueAtPercentile(p), h.maxValue));
    return {
      count,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: us(h.maxValue),
      mean: us(h.mean),
      opsPerSec: this.everStarted && wallNs > 0 ? Math.round((count / wallNs) * 1e9) : 0,
    };
  }
}

export interface MeasureOptions {
  /** Stop after this many measured calls (default 1,000 unless durationMs is given). */
  iterations?: number;
  /** Stop after this long (ms). When both are given, whichever comes first. */
  durationMs?: number;
  /** Unmeasured calls first, to warm JIT, connections and caches (default 100). */
  warmup?: number;
  /** Calls in flight at once (default 1). */
  concurrency?: number;
  /** Called after every measured call, e.g. to tick a progress bar. */
  onProgress?: (done: number) => void;
}

/**
 * Runs `fn` repeatedly and returns its latency distribution. `fn` receives the call index, so a
 * benchmark can vary its input (a random member, a different article id) without allocating up front.
 */
export async function measure(fn: (i: number) => Promise<unknown> | unknown, opts: MeasureOptions = {}): Promise<LatencyStats> {
  const iterations = opts.iterations ?? (opts.durationMs ? Number.POSITIVE_INFINITY : 1000);
  const warmup = opts.warmup ?? 100;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  for (let i = 0; i < warmup; i++) await fn(i);

  const recorder = new LatencyRecorder();
  const deadline = opts.durationMs ? performance.now() + opts.durationMs : Number.POSITIVE_INFINITY;
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < iterations && performance.now() < deadline) {
      const i = next++;
      const t0 = process.hrtime.bigint();
      await fn(i);
      recorder.recordNanos(process.hrtime.bigint() - t0);
      opts.onProgress?.(++done);
    }
  };
  recorder.start();
  await Promise.all(Array.from({ length: concurrency }, worker));
  recorder.stop();
  return recorder.stats();
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** The middle value (the upper one of the two for an even count): what a bench keeps of several rounds. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  // An even count takes the mean of the middle two (the upper one alone would favour the best round).
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
