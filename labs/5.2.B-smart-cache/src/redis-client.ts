// The Redis connections a cache should use: every command has a timeout, nothing queues while the
// server is away (a request must not wait for a reconnect), and retries are few. The URL carries the
// rest: `redis://user:password@host:6379/0` authenticates with an ACL user (AUTH user pass), and
// `rediss://…` turns on TLS — ioredis reads both from the URL.
import { Redis, type RedisOptions } from 'ioredis';

export interface CacheRedisOptions {
  /** Per-command timeout (default 250 ms): an L2 read that takes longer is a miss, not a wait. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Extra ioredis options (e.g. `tls: { ca }` for a private CA). */
  extra?: RedisOptions;
}

export function cacheRedisOptions(opts: CacheRedisOptions = {}): RedisOptions {
  return {
    commandTimeout: opts.commandTimeoutMs ?? 250,
    connectTimeout: opts.connectTimeoutMs ?? 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Reconnect quickly and keep trying: the breaker's probe notices when it is back.
    retryStrategy: (times) => Math.min(50 * 2 ** times, 500),
    ...opts.extra,
  };
}

/** The command connection (L2 reads/writes, locks, bus publishes). */
export function createCacheRedis(url: string, opts: CacheRedisOptions = {}): Redis {
  const r = new Redis(url, cacheRedisOptions(opts));
  r.on('error', () => {}); // failures are handled per command; this only silences the event
  return r;
}

/** The bus subscriber: a dedicated connection (SUBSCRIBE takes it over); it queues its own SUBSCRIBE. */
export function createCacheSubscriber(url: string, opts: CacheRedisOptions = {}): Redis {
  const r = new Redis(url, { ...cacheRedisOptions(opts), enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
  r.on('error', () => {});
  return r;
}

/**
 * Resolves true once the client is ready, false on its first error (refused, wrong password) or after
 * `ms`: the cache then starts degraded (L1 + loader) and the breaker's probe notices the recovery.
 */
export function whenReady(redis: Redis, ms = 2000): Promise<boolean> {
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
