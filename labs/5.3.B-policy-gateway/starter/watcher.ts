// Starter for lab 5.3.B, exercise 3: hot reload. Grade with: npm run grade 5.3.B -- --impl starter
// Every instance holds one Snapshot of the policies and swaps it whole when a
// newer version exists. Two paths tell it so: a pub/sub message carrying the new version (fast, but a
// message sent while the subscriber was reconnecting is lost for good) and a version check against
// Postgres every `pollMs` (the backstop; it also works while Redis is down).
import { EventEmitter } from 'node:events';
import type { RedisClient } from '../../../shared/redis-client';
import { NotImplementedError } from '../../../shared/errors';
import type { Snapshot } from '../src/policy';

export interface PolicySource {
  version(): Promise<number>;
  snapshot(): Promise<Snapshot>;
}

export interface WatcherOptions {
  source: PolicySource;
  /** A connection used only for SUBSCRIBE (a subscribed connection can run nothing else). */
  subscriber: RedisClient;
  channel: string;
  /** Backstop version check interval (ms). */
  pollMs?: number;
}

/** Emits 'change' (snapshot) after each swap and 'error' (err) when a reload fails in the background. */
export class PolicyWatcher extends EventEmitter {
  private snap?: Snapshot;
  private timer?: NodeJS.Timeout;
  private loading?: Promise<void>;
  private stopped = false;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel === this.opts.channel) void this.refresh(Number(message));
  };

  constructor(private readonly opts: WatcherOptions) {
    super();
  }

  /** The policies this instance enforces now. */
  get current(): Snapshot {
    if (!this.snap) throw new Error('PolicyWatcher.start() has not finished');
    return this.snap;
  }

  get version(): number {
    return this.snap?.version ?? 0;
  }

  /**
   * Exercise 3a. Load the first snapshot (this.opts.source.snapshot()) into this.snap; listen for
   * 'message' on this.opts.subscriber with this.onMessage and SUBSCRIBE to this.opts.channel (await it
   * only while the subscriber is 'ready' — Redis may be away; ioredis resubscribes on reconnect); start
   * the backstop: setInterval(() => void this.check(), this.opts.pollMs ?? 250), unref'd, in this.timer.
   */
  async start(): Promise<void> {
    throw new NotImplementedError('exercise 3: PolicyWatcher.start — first snapshot, subscribe, version-check timer');
  }

  /**
   * Exercise 3b. Reload when `announced` (or, without it, whatever Postgres has) is newer than
   * this.version: an announcement at or below it loads nothing. One load at a time — wait for
   * this.loading and check again; then this.loading = this.load() (cleared when it settles).
   */
  async refresh(_announced?: number): Promise<void> {
    throw new NotImplementedError('exercise 3: PolicyWatcher.refresh — load only a newer version, one load at a time');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.opts.subscriber.off('message', this.onMessage);
    if (this.opts.subscriber.status === 'ready') await this.opts.subscriber.unsubscribe(this.opts.channel).catch(() => {});
  }

  private async check(): Promise<void> {
    try {
      if ((await this.opts.source.version()) > this.version) await this.refresh();
    } catch (err) {
      this.failed(err);
    }
  }

  /** A background failure: reported to listeners (the gateway logs it); the current snapshot stays. */
  private failed(err: unknown): void {
    if (!this.stopped && this.listenerCount('error') > 0) this.emit('error', err);
  }

  private async load(): Promise<void> {
    try {
      const next = await this.opts.source.snapshot();
      if (next.version <= this.version) return;
      this.snap = next;
      this.emit('change', next);
    } catch (err) {
      this.failed(err);
    }
  }
}
