// LabContext: everything a lab needs to talk to the world, and one dispose() that closes it all.
// Test contexts get a unique key prefix and their own Postgres schema, so test files run in parallel.
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { keyBuilder, type KeyBuilder } from '../shared/keys';
import { connectRedis, servingRedisOptions, watchRedisState, whenRedisReady, type RedisClient } from '../shared/redis-client';
import { deleteMatching } from '../shared/redis-scan';
import { resolveServices, type ServiceName, type Services } from './services';
import { colorEnabled } from './color';

export interface LabContext {
  /**
   * The main Redis connection: a `Redis`, or a `Cluster` when the workbook runs on Redis Cluster
   * (`npm run test:cluster`, `--cluster`, REDIS_CLUSTER_NODES). Labs write one code path for both.
   */
  redis: RedisClient;
  /** A pool on the lab's Postgres schema (search_path is set to it). */
  pg: pg.Pool;
  /** Key builder bound to this context's prefix and lab. */
  keys: KeyBuilder;
  log: Logger;
  services: Services;
  /** The Postgres schema this context works in (`public` for demos, a throwaway one for tests). */
  schema: string;
  /** The context's key prefix (`wb:` for demos, unique per test context). */
  prefix: string;
  /**
   * Another connection to the context's Redis (a subscriber, a second "instance"), closed by dispose():
   * a Cluster client when the context runs on a cluster.
   */
  newRedis(options?: RedisOptions): RedisClient;
  /** A connection to another single server (a private one in a drill), closed by dispose(). */
  newRedisAt(url: string, options?: RedisOptions): Redis;
  /** Another pool on the same schema, closed by dispose(). */
  newPool(options?: pg.PoolConfig): pg.Pool;
  /** Registers cleanup to run (in reverse order) before connections close. */
  onDispose(fn: () => unknown | Promise<unknown>): void;
  dispose(): Promise<void>;
}

export interface ContextOptions {
  lab: string;
  /** Key prefix; tests get a unique one. */
  prefix?: string;
  /** Postgres schema; created if missing. */
  schema?: string;
  /** Drop the schema and delete every key under the prefix on dispose (test contexts). */
  cleanup?: boolean;
  logLevel?: pino.Level | 'silent';
  /** Set pino to plain JSON instead of pretty lines. */
  jsonLogs?: boolean;
  /** Services to resolve (default both). */
  services?: ServiceName[];
  /**
   * A serving context (`serve`, service tests): every Redis client is made the one shared serving way
   * (command timeout, no offline queue, bounded reconnect, one log line per state change).
   */
  serving?: boolean;
  /**
   * Use this Redis (a `redis://` or `redis-cluster://` URL) instead of the resolved one: a drill's
   * private server or cluster, with the whole lab built on it.
   */
  redisUrl?: string;
}

export function createLogger(level: pino.Level | 'silent' = 'info', json = false): Logger {
  if (json || level === 'silent') return pino({ level });
  return pino({ level }, pretty({ sync: true, colorize: colorEnabled(), ignore: 'pid,hostname,lab', translateTime: 'HH:MM:ss.l', singleLine: true }));
}

export async function createContext(opts: ContextOptions): Promise<LabContext> {
  const needs = opts.services ?? ['redis', 'postgres'];
  const resolved = await resolveServices(opts.redisUrl ? needs.filter((n) => n !== 'redis') : needs);
  const services: Services = opts.redisUrl
    ? { ...resolved, redis: { url: opts.redisUrl, source: 'env', version: 'given', rttMs: Number.NaN } }
    : resolved;
  const usesPostgres = needs.includes('postgres');
  const prefix = opts.prefix ?? 'wb:';
  const schema = opts.schema ?? 'public';
  const log = createLogger(opts.logLevel ?? 'info', opts.jsonLogs).child({ lab: opts.lab });
  const redisClients: RedisClient[] = [];
  const pools: pg.Pool[] = [];
  const disposers: Array<() => unknown> = [];

  const base = (): RedisOptions => (opts.serving ? servingRedisOptions() : { maxRetriesPerRequest: 2 });
  const track = <R extends RedisClient>(r: R): R => {
    if (opts.serving) watchRedisState(r, log);
    else r.on('error', (err: Error) => log.debug({ err: err.message }, 'redis connection error'));
    redisClients.push(r);
    return r;
  };
  const newRedis = (options: RedisOptions = {}) => track(connectRedis(services.redis.url, { ...base(), ...options }));
  const newRedisAt = (url: string, options: RedisOptions = {}) => track(new Redis(url, { ...base(), ...options }));
  const newPool = (options: pg.PoolConfig = {}) => {
    const p = new pg.Pool({
      connectionString: services.postgres.url,
      max: 10,
      options: `-c search_path=${quoteIdent(schema)}`,
      ...options,
    });
    p.on('error', (err) => log.debug({ err: err.message }, 'postgres pool error'));
    pools.push(p);
    return p;
  };

  const redis = newRedis();
  // A serving client queues nothing while connecting: let the first command find it ready.
  if (opts.serving) await whenRedisReady(redis, 5000).catch(() => {});
  const pool = newPool();
  if (usesPostgres && schema !== 'public') await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);

  let disposed = false;
  return {
    redis,
    pg: pool,
    keys: keyBuilder({ prefix, lab: opts.lab }),
    log,
    services,
    schema,
    prefix,
    newRedis,
    newRedisAt,
    newPool,
    onDispose: (fn) => disposers.push(fn),
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const fn of disposers.reverse()) {
        try {
          await fn();
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'cleanup step failed');
        }
      }
      if (opts.cleanup) {
        await deleteByPrefix(redis, prefix).catch(() => {});
        if (usesPostgres && schema !== 'public') await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`).catch(() => {});
      }
      for (const r of redisClients) r.disconnect();
      await Promise.all(pools.map((p) => p.end().catch(() => {})));
    },
  };
}

/** A context for one test file: unique prefix, own schema, everything removed on dispose. */
export async function createTestContext(lab: string, opts: Partial<ContextOptions> = {}): Promise<LabContext> {
  const id = randomBytes(4).toString('hex');
  const safeLab = lab.replace(/[^a-zA-Z0-9]/g, '_').toLowerCase();
  return createContext({
    lab,
    prefix: `t:${id}:`,
    schema: `t_${safeLab}_${id}`,
    cleanup: true,
    logLevel: (process.env.LAB_LOG_LEVEL as pino.Level | undefined) ?? 'silent',
    ...opts,
  });
}

/** Deletes every key that starts with `prefix` (on every master of a cluster): SCAN + UNLINK, never FLUSHALL. */
export async function deleteByPrefix(redis: RedisClient, prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete with an empty prefix');
  return deleteMatching(redis, `${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}*`);
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
