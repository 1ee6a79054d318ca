// Real-time top-N changes as Server-Sent Events. submit.lua PUBLISHes each change on the game's channel;
// every API instance holds ONE subscriber connection (PSUBSCRIBE to all games' channels) and fans the
// messages out to its own SSE clients, so a client connected to instance B sees a score posted to A.
import type { Response } from 'express';
import type { RedisClient } from '../../../shared/redis-client';
import { once } from 'node:events';

export interface BoardEvent {
  type: 'top' | 'reset';
  game: string;
  board: string;
  period: string;
  player?: string;
  score?: number;
  rank?: number;
  top?: Array<{ rank: number; player: string; score: number }>;
  archiveId?: number;
}

type Listener = (event: BoardEvent) => void;

export interface EventHub {
  /** Resolves once the subscription is active (events published before it are not seen). */
  ready: Promise<void>;
  on(channel: string, fn: Listener): () => void;
  /** Every event of every game. */
  onAny(fn: Listener): void;
  close(): Promise<void>;
}

export function createEventHub(subscriber: RedisClient, pattern: string): EventHub {
  const listeners = new Map<string, Set<Listener>>();
  const everyEvent = new Set<Listener>();
  subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
    const set = listeners.get(channel);
    if (!set && !everyEvent.size) return;
    let event: BoardEvent;
    try {
      event = JSON.parse(message) as BoardEvent;
    } catch {
      return;
    }
    for (const fn of everyEvent) fn(event);
    for (const fn of set ?? []) fn(event);
  });
  // PSUBSCRIBE only once the connection is ready: sent earlier, it can race ioredis's ready check (INFO
  // is refused in subscriber mode), the connection is dropped and the subscription silently lost.
  const ready = (async () => {
    if (subscriber.status !== 'ready') await once(subscriber, 'ready');
    await subscriber.psubscribe(pattern);
  })();
  return {
    ready,
    on(channel, fn) {
      const set = listeners.get(channel) ?? new Set();
      set.add(fn);
      listeners.set(channel, set);
      return () => {
        set.delete(fn);
        if (!set.size) listeners.delete(channel);
      };
    },
    onAny: (fn) => void everyEvent.add(fn),
    async close() {
      listeners.clear();
      everyEvent.clear();
      // Only on a live connection: a command to a closed or reconnecting one would wait in the offline queue.
      if (subscriber.status === 'ready') await subscriber.punsubscribe(pattern).catch(() => {});
    },
  };
}

/** Starts an SSE response: headers, a first event, a heartbeat comment, and clean-up when the client leaves. */
export function openSse(res: Response, onClose: () => void): (event: string, data: unknown) => void {
  res.status(200).set({ 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
  heartbeat.unref();
  res.on('close', () => {
    clearInterval(heartbeat);
    onClose();
  });
  return (event, data) => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
