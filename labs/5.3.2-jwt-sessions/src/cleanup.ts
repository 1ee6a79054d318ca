// Background cleanup of the per-user session indexes. A session key disappears by itself at its TTL,
// but the user's index (zset) still lists it. Two ways to notice:
//   notifications  Redis publishes `__keyevent@<db>__:expired` with the key name the moment it expires
//                  (needs `notify-keyspace-events Ex`; pub/sub is fire-and-forget, so a slow sweep
//                  still runs as a safety net for events missed while disconnected)
//   sweep          every few seconds, SCAN the indexes and prune entries whose expiry score has passed
//                  and whose session key is gone (the only way when notifications are off)
//   On Redis Cluster each node publishes the expiries of its own keys only, on its own pub/sub (keyspace
//   events are not broadcast like PUBLISH): detection asks every master, and the listener subscribes
//   on every node (replicas too, so a replica promoted by a failover is already heard).
import { Cluster, type Redis } from 'ioredis';
import type { Logger } from 'pino';
import { whenRedisReady, type RedisClient } from '../../../shared/redis-client';
import { mastersOf, scanKeys } from '../../../shared/redis-scan';
import type { StoreDeps } from './store';

export type CleanupMode = 'notifications' | 'sweep';

/**
 * Are expired-key events on? Needs E (keyevent channel) and x (expired), or A (all classes) — on every
 * master of a cluster, or some users' expiries would go unheard.
 */
export async function detectCleanupMode(redis: RedisClient): Promise<CleanupMode> {
  try {
    for (const node of mastersOf(redis)) {
      const [, flags = ''] = (await node.config('GET', 'notify-keyspace-events')) as string[];
      if (!(flags.includes('E') && (flags.includes('x') || flags.includes('A')))) return 'sweep';
    }
    return 'notifications';
  } catch {
    return 'sweep'; // CONFIG may be disabled (managed Redis): assume nothing
  }
}

/** Prunes one session from its user's index if its key is gone; true if this call removed it. */
export async function pruneSession(d: StoreDeps, userId: string, sid: string): Promise<boolean> {
  return (await d.scripts.prune([d.k.session(userId, sid), d.k.index(userId)], [sid])) === 1;
}

/** One sweep over every index (on every master of a cluster); returns how many stale entries were pruned. */
export async function sweep(d: StoreDeps): Promise<number> {
  let pruned = 0;
  const now = d.config.now();
  for await (const indexes of scanKeys(d.redis, d.k.indexPattern, 500)) {
    for (const index of indexes) {
      const userId = /\{([^}]+)\}/.exec(index)?.[1];
      if (!userId) continue;
      // The score is when the session would expire: only those are candidates.
      for (const sid of await d.redis.zrangebyscore(index, '-inf', now)) {
        if (await pruneSession(d, userId, sid)) pruned++;
      }
    }
  }
  return pruned;
}

export interface CleanupOptions {
  /** 'auto' (default) asks Redis with CONFIG GET. */
  mode?: 'auto' | CleanupMode;
  /** A dedicated connection for SUBSCRIBE (a subscribed connection can do nothing else). */
  subscriber?: () => RedisClient;
  /** Sweep period: default 30 s in sweep mode, 10 min as the safety net with notifications. */
  sweepEveryMs?: number;
  log?: Logger;
}

export interface Cleanup {
  mode: CleanupMode;
  stop(): Promise<void>;
}

export async function startCleanup(d: StoreDeps, opts: CleanupOptions = {}): Promise<Cleanup> {
  const mode = !opts.mode || opts.mode === 'auto' ? await detectCleanupMode(d.redis) : opts.mode;
  let subs: RedisClient[] = [];
  let subscribed = false;
  if (mode === 'notifications') {
    const onExpired = (_channel: string, key: string) => {
      const parsed = d.k.parseSession(key); // every expired key of the db arrives here: keep ours
      if (parsed) void pruneSession(d, parsed.userId, parsed.sid).catch((err) => opts.log?.warn({ err: (err as Error).message }, 'prune failed'));
    };
    try {
      subs = subscribers(d.redis, opts.subscriber);
      for (const sub of subs) {
        sub.on('message', onExpired);
        // A serving client queues nothing while it connects: wait for it before SUBSCRIBE.
        await whenRedisReady(sub);
        // A cluster has only db 0; a single server's db is the store's.
        const db = d.redis instanceof Cluster ? 0 : (d.redis.options.db ?? 0);
        await sub.subscribe(`__keyevent@${db}__:expired`);
      }
      subscribed = true;
    } catch {
      opts.log?.warn('could not subscribe to expired-key events; the sweep alone prunes until a restart');
    }
  }
  const every = opts.sweepEveryMs ?? (subscribed ? 600_000 : 30_000);
  const timer = setInterval(() => {
    void sweep(d).catch((err) => opts.log?.warn({ err: (err as Error).message }, 'sweep failed'));
  }, every);
  timer.unref();
  opts.log?.info({ mode, sweepEveryMs: every }, 'session index cleanup started');
  return {
    mode,
    async stop() {
      clearInterval(timer);
      await Promise.all(subs.map((sub) => sub.quit().catch(() => sub.disconnect())));
    },
  };
}

/**
 * The connections that listen for expiries: one (the given factory, or a duplicate) on a single server;
 * on a cluster one per node, each a plain connection to that node (Cluster SUBSCRIBE would pick one).
 */
function subscribers(redis: RedisClient, factory?: () => RedisClient): RedisClient[] {
  if (!(redis instanceof Cluster)) return [factory ? factory() : redis.duplicate()];
  return redis.nodes('all').map((node: Redis) => {
    // The cluster's node connections are lazy; this one connects now, so SUBSCRIBE can wait for it.
    const sub = node.duplicate({ lazyConnect: false });
    sub.on('error', () => {}); // a node that dies is the failover's business; the sweep covers the gap
    return sub;
  });
}

export interface SessionStats {
  active: number;
  logins: number;
  refreshes: number;
  /** Sessions ended by logout, logout-all or reuse detection. */
  revocations: number;
  tokenRevocations: number;
  expirations: number;
  reuseDetected: number;
}

export async function readStats(d: StoreDeps): Promise<SessionStats> {
  const h = await d.redis.hgetall(d.k.stats);
  const n = (f: string) => Number(h[f] ?? 0);
  return {
    active: n('active'),
    logins: n('logins'),
    refreshes: n('refreshes'),
    revocations: n('revocations'),
    tokenRevocations: n('token_revocations'),
    expirations: n('expirations'),
    reuseDetected: n('reuse_detected'),
  };
}
