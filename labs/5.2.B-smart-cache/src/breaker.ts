// A circuit breaker in front of Redis. After `failureThreshold` failures in a row it opens: calls fail at
// once (CacheUnavailableError) instead of each waiting out a timeout on a dead server. While open, a probe
// PINGs every `probeIntervalMs`; the first PONG closes it again, so recovery needs nobody.
import { CacheUnavailableError } from './errors';

export type BreakerState = 'closed' | 'open';

export interface BreakerOptions {
  failureThreshold?: number;
  probeIntervalMs?: number;
  /** Resolves when Redis answers (a PING). */
  probe: () => Promise<unknown>;
  onChange?: (state: BreakerState) => void;
}

export class Breaker {
  private failures = 0;
  private current: BreakerState = 'closed';
  private timer: NodeJS.Timeout | undefined;
  private readonly threshold: number;
  private readonly interval: number;

  constructor(private readonly opts: BreakerOptions) {
    this.threshold = opts.failureThreshold ?? 3;
    this.interval = opts.probeIntervalMs ?? 250;
  }

  get state(): BreakerState {
    return this.current;
  }

  get isOpen(): boolean {
    return this.current === 'open';
  }

  /** The last call failed (and none has succeeded since): Redis may be stalling, the breaker not open yet. */
  get suspect(): boolean {
    return this.failures > 0;
  }

  /** Runs `fn` unless open; counts its failure. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current === 'open') throw new CacheUnavailableError();
    try {
      const result = await fn();
      this.failures = 0;
      return result;
    } catch (err) {
      this.failure();
      throw err;
    }
  }

  /** For hot paths that call Redis directly instead of through run(): report the outcome. */
  success(): void {
    this.failures = 0;
  }

  failure(): void {
    if (++this.failures >= this.threshold && this.current === 'closed') this.open();
  }

  private open(): void {
    this.current = 'open';
    this.opts.onChange?.('open');
    this.timer = setInterval(() => {
      this.opts.probe().then(
        () => this.close(),
        () => {},
      );
    }, this.interval);
    this.timer.unref();
  }

  private close(): void {
    if (this.current === 'closed') return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.failures = 0;
    this.current = 'closed';
    this.opts.onChange?.('closed');
  }

  dispose(): void {
    clearInterval(this.timer);
  }
}
