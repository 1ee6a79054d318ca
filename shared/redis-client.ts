// The one way a serving lab makes its Redis client. A service must answer within 1 s while Redis stalls
// or is gone, so every command has a time bound, nothing queues while disconnected, reconnects back off
// to at most 1 s (normal again soon after Redis returns), and state changes are logged once each.
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { AppError } from './errors';

/**
 * What a lab talks to: one Redis, or a Redis Cluster (`npm run test:cluster`, `--cluster`). ioredis's
 * Cluster answers the same commands; a lab's keys decide whether it can (hash tags, see shared/keys.ts).
 */
export type RedisClient = Redis | Cluster;

/**
 * A Redis Cluster travels as one string, like a URL, so it can be handed to child processes:
 * `redis-cluster://host:port,host:port` (seed nodes; the client discovers the rest).
 */
export const CLUSTER_SCHEME = 'redis-cluster://';

export function isClusterUrl(url: string): boolean {
  return url.startsWith(CLUSTER_SCHEME);
}

export function clusterUrl(nodes: Array<{ host: string; port: number }>): string {
  return CLUSTER_SCHEME + nodes.map((n) => `${n.host}:${n.port}`).join(',');
}

/** Seed nodes of a cluster URL, or of `REDIS_CLUSTER_NODES=host:port,host:port`. */
export function clusterNodes(spec: string): Array<{ host: string; port: number }> {
  const list = spec.startsWith(CLUSTER_SCHEME) ? spec.slice(CLUSTER_SCHEME.length) : spec;
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(s);
      if (!m) throw new Error(`not a host:port cluster node: "${s}"`);
      return { host: m[1]!, port: Number(m[2]) };
    });
}

// Options that belong to the Cluster object rather than to each node connection.
const CLUSTER_LEVEL = ['enableOfflineQueue', 'lazyConnect', 'keyPrefix', 'scripts'] as const;

/**
 * The client for a URL: a `Redis`, or a `Cluster` for a `redis-cluster://` URL with the same options
 * applied to every node connection (command timeout, retries) and to the cluster (offline queue,
 * reconnect backoff). One code path in the lab, either topology underneath.
 */
export function connectRedis(url: string, options: RedisOptions = {}): RedisClient {
  if (!isClusterUrl(url)) return new Redis(url, options);
  const node: RedisOptions = { ...options };
  const cluster: ClusterOptions = {
    // Reads and writes go to masters: a replica may lag, and the labs promise read-your-writes.
    scaleReads: 'master',
    // A failover moves slots; ask again soon instead of failing the command.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
  };
  for (const k of CLUSTER_LEVEL) {
    if (k in node) {
      (cluster as Record<string, unknown>)[k] = node[k];
      delete node[k];
    }
  }
  if (node.retryStrategy) {
    const strategy = node.retryStrategy;
    cluster.clusterRetryStrategy = (times) => strategy(times);
  }
  cluster.redisOptions = node;
  return new Cluster(clusterNodes(url), cluster);
}

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
export function createServingRedis(url: string, options: ServingRedisOptions = {}): RedisClient {
  const { log, name, ...rest } = options;
  const redis = connectRedis(url, servingRedisOptions({ connectionName: name, ...rest }));
  watchRedisState(redis, log, name);
  return redis;
}

/**
 * Logs one line when a client goes down and one when it is back; swallows the rest of the 'error'
 * events (without a listener ioredis prints "Unhandled error event" on every retry).
 */
export function watchRedisState(redis: RedisClient, log?: StateLog, name = 'redis'): void {
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
  // A Cluster reports a node's trouble as 'node error' (and goes on while other masters answer).
  if (redis instanceof Cluster) redis.on('node error', () => {});
}

/** Resolves once the client is ready, or rejects after `timeoutMs` (a service may start without Redis). */
export function whenRedisReady(redis: RedisClient, timeoutMs = 2000): Promise<void> {
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
  'Command aborted due to connection close',
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
  "Cluster isn't ready",
  'Too many Cluster redirections',
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
