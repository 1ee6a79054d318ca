// Exercise 3: hot reload. Every instance holds one Snapshot of the policies and swaps it whole when a
// newer version exists. Two paths tell it so: a pub/sub message carrying the new version (fast, but a
// message sent while the subscriber was reconnecting is lost for good) and a version check against
// Postgres every `pollMs` (the backstop; it also works while Redis is down).
import { EventEmitter } from 'node:events';
import type { RedisClient } from '../../../shared/redis-client';
import type { Snapshot } from './policy';

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

  /** Loads the first snapshot, subscribes to announcements and starts the backstop check. */
  async start(): Promise<void> {
    this.snap = await this.opts.source.snapshot();
    this.opts.subscriber.on('message', this.onMessage);
    // Not awaited when Redis is away: the poll keeps policies fresh and ioredis resubscribes on reconnect.
    const sub = this.opts.subscriber.subscribe(this.opts.channel).catch((err: unknown) => this.failed(err));
    if (this.opts.subscriber.status === 'ready') await sub;
    this.timer = setInterval(() => void this.check(), this.opts.pollMs ?? 250);
    this.timer.unref();
  }

  /** Reloads when `announced` (or, without it, Postgres's current version) is newer than ours. */
  async refresh(announced?: number): Promise<void> {
    if (announced !== undefined && Number.isFinite(announced) && announced <= this.version) return;
    // One load at a time; a load that started before this announcement is followed by another.
    while (this.loading) await this.loading;
    if (announced !== undefined && announced <= this.version) return;
    this.loading = this.load().finally(() => (this.loading = undefined));
    await this.loading;
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
