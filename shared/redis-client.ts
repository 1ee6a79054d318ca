// The one way a serving lab makes its Redis client. A service must answer within 1 s while Redis stalls
// or is gone, so every command has a time bound, nothing queues while disconnected, reconnects back off
// to at most 1 s (normal again soon after Redis returns), and state changes are logged once each.
import { Redis, type RedisOptions } from 'ioredis';
import { AppError } from './errors';

/** Longest a single command may wait for its reply. Two in a row still fit a 1 s route budget. */
export const SERVING_COMMAND_TIMEOUT_MS = 400;
/** Seconds a client is told to wait (Retry-After) when Redis is unavailable. */
export const REDIS_RETRY_AFTER_S = 1;

interface StateLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface ServingRedisOptions extends RedisOptions {
  /** Logger for one line per state change (up → down → up). */
  log?: StateLog;
  /** Shown in those lines and in CLIENT LIST. */
  name?: string;
}

/** Reconnect delay: 50 ms doubling to a cap of 1 s, forever (a service outlives an outage). */
export const boundedBackoff = (attempt: number): number => Math.min(50 * 2 ** Math.max(0, attempt - 1), 1000);

/** The options every serving client uses; `overrides` win (a subscriber may want no command timeout). */
export function servingRedisOptions(overrides: RedisOptions = {}): RedisOptions {
  return {
    commandTimeout: SERVING_COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: boundedBackoff,
    ...overrides,
  };
}

/**
 * A Redis client for a service: bounded commands, fail-fast while disconnected, bounded reconnect.
 * Blocking commands (BLPOP, XREAD BLOCK) need their own client with `commandTimeout` raised above the
 * block time. Wait for it with `whenRedisReady` before the first command if the caller needs one.
 */
export function createServingRedis(url: string, options: ServingRedisOptions = {}): Redis {
  const { log, name, ...rest } = options;
  const redis = new Redis(url, servingRedisOptions({ connectionName: name, ...rest }));
  watchRedisState(redis, log, name);
  return redis;
}

/**
 * Logs one line when a client goes down and one when it is back; swallows the rest of the 'error'
 * events (without a listener ioredis prints "Unhandled error event" on every retry).
 */
export function watchRedisState(redis: Redis, log?: StateLog, name = 'redis'): void {
  let up: boolean | undefined;
  redis.on('ready', () => {
    if (up === false) log?.info({ redis: name }, 'redis is back');
    up = true;
  });
  const down = (reason: string) => {
    if (up === false) return;
    up = false;
    log?.warn({ redis: name, reason }, 'redis is unavailable; serving fallbacks until it returns');
  };
  redis.on('error', (err: Error) => down(redactUrl(err.message)));
  redis.on('close', () => down('connection closed'));
}

/** Resolves once the client is ready, or rejects after `timeoutMs` (a service may start without Redis). */
export function whenRedisReady(redis: Redis, timeoutMs = 2000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new RedisUnavailableError());
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Redis could not answer in time or at all: a 503 with Retry-After, never the driver's text. */
export class RedisUnavailableError extends AppError {
  readonly retryAfterSeconds = REDIS_RETRY_AFTER_S;
  constructor(message = 'a backing service is unavailable; try again shortly') {
    super(503, 'service_unavailable', message);
  }
}

// The messages ioredis (and Node's socket layer) use for "no answer" — never a bug in the caller.
const UNAVAILABLE = [
  'Command timed out',
  "Stream isn't writeable",
  'Connection is closed',
  'Reached the max retries per request limit',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'LOADING',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'MASTERDOWN',
  'Failed to refresh slots cache',
  'None of startup nodes is available',
];

/** True for errors that mean "Redis did not answer" (as opposed to a bad command or a script error). */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof RedisUnavailableError) return true;
  const e = err as { name?: string; message?: string; code?: string } | undefined;
  if (!e) return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const text = `${e.code ?? ''} ${e.message ?? ''}`;
  return UNAVAILABLE.some((m) => text.includes(m));
}

/** Hides the password in a redis:// or rediss:// URL (and `password=` query values). */
export function redactUrl(text: string): string {
  return text.replace(/(rediss?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@').replace(/(password=)[^&\s]*/gi, '$1***');
}
