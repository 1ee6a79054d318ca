// The invalidation bus: one Redis pub/sub channel all instances of the cache share. A write or an
// invalidation on one instance is published; every other instance drops the matching L1 entries.
// The same messages wake processes waiting for another one's loader (the stampede lock).
import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import type { Breaker } from './breaker';

export type BusMessage =
  | { t: 'set'; ns: string; key: string }
  | { t: 'del'; ns: string; keys: string[] }
  | { t: 'tags'; tags: string[] }
  | { t: 'pat'; ns: string; pattern: string }
  | { t: 'ns'; ns: string };

export interface BusHandlers {
  onMessage(msg: BusMessage): void;
  /** The subscriber came back after a disconnect: messages may have been missed. */
  onReconnect(): void;
}

export class CacheBus {
  readonly id = randomUUID();
  private readonly waiters = new Map<string, Set<() => void>>();
  private wasDown = false;

  constructor(
    private readonly pub: RedisClient,
    private readonly sub: RedisClient,
    private readonly channel: string,
    private readonly breaker: Breaker,
    private readonly handlers: BusHandlers,
  ) {}

  /** Subscribes (waits at most `ms`: a cache can start while Redis is down and catch up later). */
  async start(ms = 2000): Promise<void> {
    this.sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    this.sub.on('close', () => (this.wasDown = true));
    // On a Redis Cluster, PUBLISH reaches the subscribers of every node, but our subscription lives on
    // one node: when a node fails or the topology changes (a failover), ioredis moves the subscription,
    // and what was published meanwhile never reaches us. Any such sign clears L1 (cheap: L2 still has
    // the values), on the subscriber's and the command connection's side (the one that sees errors first).
    for (const client of [this.sub, this.pub]) {
      if (client instanceof Cluster) for (const event of ['node error', '-node', '+node']) client.on(event, () => this.handlers.onReconnect());
    }
    this.sub.on('ready', () => {
      if (!this.wasDown) return;
      this.wasDown = false;
      this.handlers.onReconnect();
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.sub.subscribe(this.channel).catch(() => {}), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  publish(msg: BusMessage): void {
    if (this.breaker.isOpen) return;
    this.publishNow(msg).catch(() => {});
  }

  /** Publishes and lets a failure reach the caller (an invalidation that must be delivered). */
  async publishNow(msg: BusMessage): Promise<void> {
    await this.pub.publish(this.channel, JSON.stringify({ ...msg, from: this.id }));
  }

  /** How many callers are waiting for another instance's fill right now. */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** Resolves when another instance reports `ns:key` filled, or after `ms`, whichever is first. */
  wait(ns: string, key: string, ms: number): Promise<void> {
    const id = `${ns}:${key}`;
    return new Promise((resolve) => {
      let set = this.waiters.get(id);
      if (!set) this.waiters.set(id, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (!set.size) this.waiters.delete(id);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  private receive(text: string): void {
    let msg: BusMessage & { from?: string };
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (msg.from === this.id) return;
    if (msg.t === 'set') this.waiters.get(`${msg.ns}:${msg.key}`)?.forEach((wake) => wake());
    this.handlers.onMessage(msg);
  }

  async stop(): Promise<void> {
    if (this.sub.status === 'ready') await this.sub.unsubscribe(this.channel).catch(() => {});
  }
}
