// What a running gateway instance exposes to its admin API and dashboard (kept apart from gateway.ts,
// which mounts both, so they need not import it back).
import type { Express } from 'express';
import type { RedisCircuitBreaker } from '../../5.3.3-circuit-breaker/src/breaker';
import type { RedisClient } from '../../../shared/redis-client';
import type { Analytics } from './analytics';
import type { GatewayConfig } from './config';
import type { PolicyStore } from './store';
import type { PolicyWatcher } from './watcher';

export interface InstanceReport {
  id: string;
  version: number;
  at: number;
}

export interface Gateway {
  app: Express;
  config: GatewayConfig;
  id: string;
  store: PolicyStore;
  watcher: PolicyWatcher;
  analytics: Analytics;
  breakers: Map<string, RedisCircuitBreaker>;
  redis: RedisClient;
  /** Every instance's last report (version, when), read from Redis; [] while Redis is down. */
  instances(): Promise<InstanceReport[]>;
  redisHealthy(): Promise<boolean>;
  close(): Promise<void>;
}
