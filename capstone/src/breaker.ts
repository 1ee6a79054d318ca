// The circuit breaker comes from lab 5.3.3 (state in Redis, shared by every process; an in-process
// twin while Redis is away). This file is the capstone's only import point for it.
import type { RedisClient } from '../../shared/redis-client';
import type { Logger } from 'pino';
import type { KeyBuilder } from '../../shared/keys';
import { createBreaker, type RedisCircuitBreaker } from '../../labs/5.3.3-circuit-breaker/src/breaker';

export type Breaker = RedisCircuitBreaker;

export interface MetadataBreakerOptions {
  now?: () => number;
  log?: Logger;
  /** A metadata call slower than this counts as a failure (ms). */
  callTimeoutMs?: number;
  minVolume?: number;
  coolDownMs?: number;
}

export function createMetadataBreaker(redis: RedisClient, keys: KeyBuilder, opts: MetadataBreakerOptions = {}): Promise<Breaker> {
  return createBreaker({
    name: 'metadata',
    redis,
    keys: keys.forLab('capstone-breaker'),
    now: opts.now,
    log: opts.log,
    callTimeoutMs: opts.callTimeoutMs ?? 300,
    minVolume: opts.minVolume ?? 10,
    coolDownMs: opts.coolDownMs ?? 5_000,
    failureThreshold: 0.5,
  });
}
