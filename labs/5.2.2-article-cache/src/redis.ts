// The cache's Redis connection is configured to fail fast: when Redis is down or stalled, a command
// errors within milliseconds and the read goes to Postgres, instead of waiting in a queue.
import type { RedisOptions } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';

export const CACHE_REDIS_OPTIONS: RedisOptions = {
  // Not connected → reject at once (the default queues commands until a reconnect, i.e. hangs).
  enableOfflineQueue: false,
  // No retries of a failed command: the database is the retry.
  maxRetriesPerRequest: 0,
  // A stalled server (paused process, black-holed network) rejects after this long.
  commandTimeout: 500,
  connectTimeout: 1_000,
  // Keep reconnecting in the background, at most once a second.
  retryStrategy: (times) => Math.min(times * 100, 1_000),
  lazyConnect: true,
};

/** Connects (the client is lazy); a Redis that is down at start-up is not fatal, reads use Postgres. */
export async function connectCacheRedis(redis: RedisClient, onError?: (err: Error) => void): Promise<RedisClient> {
  redis.on('error', (err: Error) => onError?.(err));
  await redis.connect().catch((err: Error) => onError?.(err));
  return redis;
}
