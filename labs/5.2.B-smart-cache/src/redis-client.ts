// The Redis connections a cache should use: the project's one serving client (shared/redis-client.ts):
// every command has a timeout, nothing queues while the server is away (a request must not wait for a
// reconnect), reconnects back off to at most 1 s, and each state change is logged once. The URL carries
// the rest: `redis://user:password@host:6379/0` authenticates with an ACL user (AUTH user pass), and
// `rediss://…` turns on TLS — ioredis reads both from the URL; a `redis-cluster://h:p,h:p` URL gives a
// Cluster client with the same options on every node.
import type { RedisOptions } from 'ioredis';
import { createServingRedis, servingRedisOptions, type RedisClient, type ServingRedisOptions } from '../../../shared/redis-client';

export interface CacheRedisOptions {
  /** Per-command timeout (default 250 ms): an L2 read that takes longer is a miss, not a wait. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Extra ioredis options (e.g. `tls: { ca }` for a private CA). */
  extra?: RedisOptions;
  /** One line per state change (down, back); silent without it. */
  log?: ServingRedisOptions['log'];
}

/** The serving options with the cache's shorter command timeout (a GET and a lock SET fit 1 s twice over). */
export function cacheRedisOptions(opts: CacheRedisOptions = {}): RedisOptions {
  return servingRedisOptions({ commandTimeout: opts.commandTimeoutMs ?? 250, connectTimeout: opts.connectTimeoutMs ?? 1000, ...opts.extra });
}

/** The command connection (L2 reads/writes, locks, bus publishes). */
export function createCacheRedis(url: string, opts: CacheRedisOptions = {}): RedisClient {
  return createServingRedis(url, { ...cacheRedisOptions(opts), log: opts.log, name: 'cache' });
}

/**
 * The bus subscriber: a dedicated connection (SUBSCRIBE takes it over). It is never on a request's
 * path, so it queues its own SUBSCRIBE while connecting and has no command timeout.
 */
export function createCacheSubscriber(url: string, opts: CacheRedisOptions = {}): RedisClient {
  return createServingRedis(url, { ...cacheRedisOptions(opts), enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined, log: opts.log, name: 'cache-bus' });
}

/**
 * Resolves true once the client is ready, false on its first error (refused, wrong password) or after
 * `ms`: the cache then starts degraded (L1 + loader) and the breaker's probe notices the recovery.
 */
export function whenReady(redis: RedisClient, ms = 2000): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => done(false), ms);
    const onReady = () => done(true);
    const onError = () => done(false);
    const done = (ok: boolean) => {
      clearTimeout(t);
      redis.off('ready', onReady);
      redis.off('error', onError);
      resolve(ok);
    };
    redis.once('ready', onReady);
    redis.once('error', onError);
  });
}
