// One strict connection per command. A CLI must fail fast: ioredis by default reconnects forever and
// queues commands while it does, so a typo in --url would hang. Here: no retries, a short connect
// timeout, and every connection failure becomes one line (exit 2), never a stack.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, ReplyError } from 'ioredis';
import { UsageError } from '../../../harness/usage-error';
import { ValidationError } from '../../../shared/errors';

/** A connection failure (unreachable, refused, wrong password, TLS): one line, exit 2. */
export class ConnectionError extends UsageError {}

/** Text with every URL password masked (`redis://:***@…`, `?password=***`): safe to print. */
export { redactUrl } from '../../../shared/redis-client';
import { clusterNodes, connectRedis, isClusterUrl, redactUrl, type RedisClient } from '../../../shared/redis-client';

/** Every command's answer is waited for at most this long (default; `--timeout` changes it). */
export const COMMAND_TIMEOUT_MS = 5_000;

export interface OpenOptions {
  /** Connect timeout in ms (default 3,000). */
  timeoutMs?: number;
  /** Skip certificate checks on rediss:// (self-signed test servers only). */
  insecure?: boolean;
  /** A CA certificate file (PEM) to trust on rediss://, e.g. a private CA. */
  caFile?: string;
  /** The longest wait for any reply, connecting included (default COMMAND_TIMEOUT_MS): a frozen server or a blocking command ends here. */
  commandTimeoutMs?: number;
}

/** Validates the URL, connects, and proves the connection with a PING (AUTH happens on connect). */
export async function openRedis(url: string, opts: OpenOptions = {}): Promise<RedisClient> {
  if (isClusterUrl(url)) return openCluster(url, opts);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`invalid --url "${redactUrl(url)}": expected redis://[user:password@]host:port[/db] or rediss://…`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UsageError(`invalid --url "${redactUrl(url)}": the scheme must be redis:// or rediss:// (TLS)`);
  }
  if (!/^(\/\d*)?$/.test(parsed.pathname)) {
    throw new UsageError(`invalid --url "${redactUrl(url)}": the path is a database number (redis://host:6379/2)`);
  }
  let lastError: Error | undefined;
  const redis = new Redis(url, {
    lazyConnect: true,
    retryStrategy: () => null, // give up at the first failure instead of reconnecting forever
    maxRetriesPerRequest: 1,
    connectTimeout: opts.timeoutMs ?? 3_000,
    commandTimeout: opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    enableOfflineQueue: true,
    ...(parsed.protocol === 'rediss:' ? { tls: tlsOptions(opts) } : {}),
  });
  // ioredis reports the real cause (ECONNREFUSED, WRONGPASS…) as an 'error' event and rejects
  // connect() with a generic "Connection is closed": keep the cause for the message.
  redis.on('error', (err: Error) => {
    lastError = err;
  });
  // A server that accepts the socket but never answers (frozen, SIGSTOP) would keep connect() waiting
  // for its ready check: bound the whole handshake as well.
  const waitMs = (opts.timeoutMs ?? 3_000) + (opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS);
  let timer: NodeJS.Timeout | undefined;
  const frozen = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: no answer within ${waitMs} ms`)), waitMs);
  });
  try {
    await Promise.race([redis.connect().then(() => redis.ping()), frozen]).finally(() => clearTimeout(timer));
    // A failed SELECT (a /db in the URL that the server does not have) only shows as an 'error' event,
    // and the connection would then quietly inspect db 0: refuse instead.
    if (lastError) throw lastError;
  } catch (err) {
    redis.disconnect();
    throw connectionError(url, lastError ?? (err as Error));
  }
  return redis;
}

/**
 * A Redis Cluster (`redis-cluster://host:port,host:port`, seed nodes): the same strict options on
 * every node, and the cluster gives up at the first failure too. Ready means the client has the slot
 * table and every master answered PING, so a walk over the masters starts with all of them.
 */
async function openCluster(url: string, opts: OpenOptions): Promise<Cluster> {
  try {
    clusterNodes(url);
  } catch (err) {
    throw new UsageError(`invalid --url "${redactUrl(url)}": ${(err as Error).message} (redis-cluster://host:port,host:port)`);
  }
  let lastError: Error | undefined;
  const cluster = connectRedis(url, {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 1,
    connectTimeout: opts.timeoutMs ?? 3_000,
    commandTimeout: opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    enableOfflineQueue: true,
  }) as Cluster;
  cluster.on('error', (err: Error) => {
    lastError = (err as Error & { lastNodeError?: Error }).lastNodeError ?? err;
  });
  cluster.on('node error', (err: Error) => {
    lastError = err;
  });
  const waitMs = (opts.timeoutMs ?? 3_000) + (opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS);
  let timer: NodeJS.Timeout | undefined;
  const frozen = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout: no answer within ${waitMs} ms`)), waitMs);
  });
  try {
    await Promise.race([cluster.connect().then(() => Promise.all(cluster.nodes('master').map((m) => m.ping()))), frozen]).finally(() => clearTimeout(timer));
  } catch (err) {
    cluster.disconnect();
    throw connectionError(url, lastError ?? (err as Error));
  }
  return cluster;
}

function tlsOptions(opts: OpenOptions): ConnectionOptions {
  const tls: ConnectionOptions = {};
  if (opts.insecure) tls.rejectUnauthorized = false;
  if (opts.caFile) {
    try {
      tls.ca = readFileSync(opts.caFile);
    } catch (err) {
      throw new UsageError(`cannot read --tls-ca ${opts.caFile}: ${(err as Error).message}`);
    }
  }
  return tls;
}

/** Turns what ioredis throws into a one-line error that says what to check. */
export function connectionError(url: string, err: Error): ConnectionError {
  const where = redactUrl(url);
  const msg = err.message ?? String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(msg)) return new ConnectionError(`cannot connect to ${where}: wrong user name or password`);
  if (/DB index is out of range/i.test(msg)) return new ConnectionError(`cannot connect to ${where}: no such database on that server (${firstLine(msg)})`);
  if (/NOAUTH/i.test(msg)) return new ConnectionError(`cannot connect to ${where}: the server needs a password (redis://:PASSWORD@host:port)`);
  if (code === 'ECONNREFUSED') return new ConnectionError(`cannot connect to ${where}: connection refused (is Redis running on that port?)`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ConnectionError(`cannot connect to ${where}: unknown host`);
  if (code === 'ETIMEDOUT' || /timeout/i.test(msg)) return new ConnectionError(`cannot connect to ${where}: timed out`);
  if (/certificate|SSL|TLS|EPROTO/i.test(msg + (code ?? ''))) return new ConnectionError(`cannot connect to ${where}: TLS failed (${firstLine(msg)})`);
  if (/SELECT is not allowed in cluster mode/i.test(msg)) return new ConnectionError(`cannot connect to ${where}: a cluster node has only database 0 (${firstLine(msg)})`);
  if (/cluster support disabled/i.test(msg)) return new ConnectionError(`cannot connect to ${where}: not a cluster node (give it as redis://host:port)`);
  return new ConnectionError(`cannot connect to ${where}: ${firstLine(msg)}`);
}

/**
 * Errors that reach the CLI mid-command: a Redis error reply is the user's input (bad arguments,
 * wrong type) and a dropped connection is the server's; both become one line.
 */
export function toCliError(err: unknown, url: string, timeoutMs = COMMAND_TIMEOUT_MS): unknown {
  if (err instanceof Error && /Command timed out/.test(err.message)) {
    return new ConnectionError(`no answer from ${redactUrl(url)} within ${timeoutMs} ms (a frozen server, or a blocking command: give it a shorter block, or raise --timeout)`);
  }
  if (err instanceof ReplyError) return new ValidationError(`redis: ${firstLine((err as Error).message)}`);
  if (err instanceof Error && /Connection is closed|ECONNRESET|ECONNREFUSED|EPIPE|Stream isn't writeable/i.test(err.message)) {
    return new ConnectionError(`lost the connection to ${redactUrl(url)}: ${firstLine(err.message)}`);
  }
  return err;
}

const firstLine = (s: string) => s.split('\n')[0]!.trim();
