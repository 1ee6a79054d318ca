// L1 invalidation across processes: every process keeps a small in-process L1 in front of Redis, so a
// write must reach the L1 of every other process too. An invalidation publishes the keys it deleted on
// one channel (inside the same MULTI as the delete, so the message arrives after the keys are gone);
// every process drops them from its L1. Pub/sub is fire-and-forget: a process that is disconnected
// misses messages. On reconnect it clears its whole L1, and in any case the L1's own short ttl (1 s in
// the policy table) bounds how long a missed message can leave a stale page.
import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../../shared/redis-client';
import type { Logger } from 'pino';

/** Most keys one message may carry: an invalidation is one book (its page + ≤ 100 review pages + index). */
const MAX_KEYS_PER_MESSAGE = 200;

export interface L1Handlers {
  drop(keys: string[]): void;
  /** Messages may have been missed while disconnected. */
  dropAll(): void;
}

export class L1Bus {
  readonly id = randomBytes(6).toString('hex');
  /** Keys dropped because another process invalidated them (tests and /health read it). */
  remoteDrops = 0;
  private wasDown = false;
  private subscribed = false;
  private onSubscribed?: () => void;

  constructor(
    private readonly sub: RedisClient,
    readonly channel: string,
    private readonly handlers: L1Handlers,
    private readonly log?: Logger,
  ) {
    sub.on('error', () => {}); // state changes are the command client's to log
    sub.on('message', (ch: string, text: string) => ch === this.channel && this.receive(text));
    sub.on('close', () => (this.wasDown = true));
    sub.on('ready', () => {
      if (!this.subscribed) return void this.subscribe(); // started while Redis was down
      if (!this.wasDown) return;
      this.wasDown = false;
      this.handlers.dropAll();
      this.log?.info({ channel }, 'L1 invalidation channel back: L1 cleared (messages may have been missed)');
    });
  }

  /** Subscribes, waiting at most `ms` (a process may start while Redis is down: it subscribes when Redis is back; ioredis resubscribes after reconnects). */
  async start(ms = 1_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => (this.onSubscribed = resolve));
    if (this.sub.status === 'ready') void this.subscribe(); // otherwise the 'ready' handler does it
    await Promise.race([done, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  private async subscribe(): Promise<void> {
    try {
      await this.sub.subscribe(this.channel);
      this.subscribed = true;
      this.onSubscribed?.();
    } catch {
      // not connected: the next 'ready' tries again
    }
  }

  get connected(): boolean {
    return this.sub.status === 'ready';
  }

  /** The message an invalidation publishes (see apply-invalidation.ts). */
  message(keys: string[]): string {
    return JSON.stringify({ from: this.id, keys: keys.slice(0, MAX_KEYS_PER_MESSAGE) });
  }

  private receive(text: string): void {
    let msg: { from?: unknown; keys?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.from === this.id || !Array.isArray(msg.keys)) return; // our own: already dropped locally
    const keys = msg.keys.filter((k): k is string => typeof k === 'string').slice(0, MAX_KEYS_PER_MESSAGE);
    this.remoteDrops += keys.length;
    this.handlers.drop(keys);
  }

  close(): void {
    this.sub.disconnect();
  }
}
