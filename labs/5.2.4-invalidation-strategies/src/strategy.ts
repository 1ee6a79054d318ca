// One interface for every strategy, so the demo, the bench and the tests can swap them by name.
import type { RedisClient } from '../../../shared/redis-client';
import type pg from 'pg';
import type { KeyBuilder } from '../../../shared/keys';
import type { Catalog } from './catalog';
import type { Product, ProductPatch } from './product';

export type Clock = () => number;

export interface Strategy {
  readonly name: string;
  read(id: number): Promise<Product | undefined>;
  write(id: number, patch: ProductPatch): Promise<void>;
  /** Waits for background work this instance started (SWR refreshes). */
  settle?(): Promise<void>;
  close(): Promise<void>;
}

/** What one app instance gets. Two instances share Redis and Postgres but not their memory. */
export interface StrategyDeps {
  redis: RedisClient;
  /** Opens another connection (a subscriber); the strategy closes what it opens. */
  newRedis: () => RedisClient;
  /** The strategy's key namespace: `keys.key('product', id)` is the cache entry of a product. */
  keys: KeyBuilder;
  catalog: Catalog;
  /** Injectable clock (ms) for TTL and SWR decisions. */
  now?: Clock;
  /** How long an entry counts as fresh (default 1000 ms). */
  ttlMs?: number;
  /** SWR: how long after that a stale entry may still be served while one refresh runs (default 10 × ttl). */
  staleMs?: number;
  /** Versioned keys: the cache version this deploy reads and writes (default 1). */
  cacheVersion?: string | number;
  /** A name for logs ("A", "B"). */
  instance?: string;
  /** Write-behind: the most entries its queue may hold; a write beyond it is refused (503). */
  maxQueued?: number;
  /**
   * Write-behind: acknowledge a write only once this many replicas hold it (WAIT after the enqueue).
   * 0 (default) for a single server; 1 on a cluster with a replica per master, so a failover keeps it.
   */
  durableReplicas?: number;
  /** Write-behind: how long WAIT may take before the write is reported as not yet replicated (default 200 ms). */
  durableTimeoutMs?: number;
}

/** A background process a strategy needs once per deployment (the invalidator, the write-behind flusher). */
export interface StrategyWorker {
  close(): Promise<void>;
  /** Waits until the worker has nothing left to do (write-behind: the queue is flushed). */
  drain?(timeoutMs?: number): Promise<void>;
}

export interface WorkerDeps {
  /** Write-behind: the flusher applies only what this many replicas hold (as the writers' WAIT). */
  durableReplicas?: number;
  redis: RedisClient;
  newRedis: () => RedisClient;
  keys: KeyBuilder;
  pool: pg.Pool;
}

export interface StrategyDefinition {
  name: string;
  /** The strategy's promise, in one line. */
  promise: string;
  create(deps: StrategyDeps): Promise<Strategy>;
  startWorker?(deps: WorkerDeps): Promise<StrategyWorker>;
  /** The same worker as its own OS process (what production runs), when the strategy offers one. */
  startWorkerProcess?(redisUrl: string, keys: KeyBuilder): Promise<StrategyWorker>;
}

export const DEFAULT_TTL_MS = 1000;

/** Resolved options with defaults, so every module agrees on them. */
export function options(deps: StrategyDeps) {
  const ttlMs = deps.ttlMs ?? DEFAULT_TTL_MS;
  return { now: deps.now ?? Date.now, ttlMs, staleMs: deps.staleMs ?? ttlMs * 10 };
}

/**
 * Redis' own expiry is only garbage collection: freshness is decided with the injectable clock, so a test
 * can jump time. Entries live in Redis a good while longer than any strategy would use them.
 */
export function gcTtlMs(logicalMs: number): number {
  return Math.max(60_000, logicalMs * 4);
}
