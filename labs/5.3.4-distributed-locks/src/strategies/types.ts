import type pg from 'pg';
import type { KeyBuilder } from '../../../../shared/keys';
import type { RedisClient } from '../../../../shared/redis-client';

export type Outcome = 'sold' | 'sold-out' | 'gave-up' | 'fenced';

export interface BuyResult {
  outcome: Outcome;
  /** Time spent waiting for the right to try (lock, row lock, optimistic retries), ms. */
  waitMs: number;
}

/** One way of letting many buyers at the same seats. Each lives in its own module. */
export interface BookingStrategy {
  readonly name: StrategyName;
  readonly description: string;
  /** Called once per event before the buyers start (e.g. to load a Redis inventory). */
  prepare?(eventId: number, seats: number): Promise<void>;
  buy(eventId: number, buyer: string): Promise<BuyResult>;
  close?(): Promise<void>;
}

export interface StrategyDeps {
  redis: RedisClient;
  pg: pg.Pool;
  keys: KeyBuilder;
  /** The "payment" time inside the critical section, ms. */
  thinkMs: number;
  /** A fresh Redis connection (WATCH state is per connection). */
  newRedis(): RedisClient;
  /** How long a buyer waits for the lock before giving up (default: the lock's 10 s). */
  lockTimeoutMs?: number;
}

/** The lock's defaults a strategy's deps override (only those given). */
export function lockOptions(deps: StrategyDeps): { timeoutMs?: number } {
  return deps.lockTimeoutMs ? { timeoutMs: deps.lockTimeoutMs } : {};
}

export const STRATEGY_NAMES = ['no-lock', 'redis-lock', 'watchdog', 'fencing', 'for-update', 'watch-multi'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];
