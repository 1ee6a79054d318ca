// What every session operation shares: the keys, the clock and lifetimes, and the Lua scripts.
// All keys of one user carry the user id as a {hash tag}, so on Redis Cluster a user's sessions, index
// and tombstones share a slot: every script and MULTI touches one user's keys only. The global stats
// hash (no tag, any slot) is never in the same script or MULTI: each script reports what it did and
// the wrappers below count it with a separate HINCRBY call (test/cluster.test.ts proves it on a cluster).
import type { KeyBuilder } from '../../../shared/keys';
import { luaCommand, type LuaCommand } from '../../../shared/lua';
import type { RedisClient } from '../../../shared/redis-client';

export interface SessionConfig {
  /** Sliding expiry: a session dies this long after its last use (ms). */
  idleTtlMs: number;
  /** Absolute expiry: no session outlives this, however active (ms). Refresh tokens expire with it. */
  absoluteTtlMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Most sessions one user may hold; a login beyond it ends the oldest (default 50). */
  maxSessionsPerUser: number;
}

export interface SessionKeys {
  session(userId: string, sid: string): string;
  /** zset sid -> expiry (ms) of one user's sessions. */
  index(userId: string): string;
  /** Left behind by a revocation, so a late request hears "revoked" rather than "expired". */
  tombstone(userId: string, sid: string): string;
  /** A single revoked access token, kept until the token would have expired anyway. */
  revokedJti(userId: string, jti: string): string;
  stats: string;
  /** Login-attempt counter of one account (hashed) or client. */
  loginAttempts(kind: 'account' | 'client', id: string): string;
  /** SCAN pattern for every user's index (the sweep). */
  indexPattern: string;
  /** The user and session of a session key (from an "expired" event), or undefined. */
  parseSession(key: string): { userId: string; sid: string } | undefined;
}

export function sessionKeys(keys: KeyBuilder): SessionKeys {
  const head = `${keys.key('session')}:{`;
  return {
    session: (userId, sid) => keys.tagged('session', userId, sid),
    index: (userId) => keys.tagged('user-sessions', userId),
    tombstone: (userId, sid) => keys.tagged('revoked-session', userId, sid),
    revokedJti: (userId, jti) => keys.tagged('revoked-jti', userId, jti),
    stats: keys.key('stats'),
    loginAttempts: (kind, id) => keys.key('login-attempts', kind, id),
    indexPattern: keys.pattern('user-sessions'),
    parseSession(key) {
      if (!key.startsWith(head)) return undefined;
      const m = /^([^}]+)\}:(.+)$/.exec(key.slice(head.length));
      return m ? { userId: m[1]!, sid: m[2]! } : undefined;
    },
  };
}

/** The stats hash's fields (HINCRBY deltas). */
export type StatField = 'logins' | 'active' | 'refreshes' | 'revocations' | 'token_revocations' | 'expirations' | 'reuse_detected';

/** Each script call also counts its outcome in the stats hash (a second, single-key call). */
export interface Scripts {
  /** touch-session.lua (4 keys). */
  touch: LuaCommand<[string, number?, string?]>;
  /** rotate-refresh.lua (3 keys). */
  rotate: LuaCommand<[string, number?, string?]>;
  /** prune-session.lua (2 keys): 1 if this call removed the entry. */
  prune: LuaCommand<number>;
  /** end-sessions.lua for n sessions (1 + 2n keys): how many still existed. */
  end(n: number): LuaCommand<number>;
}

export interface StoreDeps {
  redis: RedisClient;
  k: SessionKeys;
  config: SessionConfig;
  scripts: Scripts;
  /**
   * Adds to the global stats hash in its own call (it is in another slot than any user's keys). Best
   * effort: monitoring must not fail a login or a logout that already happened, so errors are dropped.
   */
  count(fields: Partial<Record<StatField, number>>): Promise<void>;
}

const file = (name: string) => new URL(`./${name}.lua`, import.meta.url);

export function storeDeps(redis: RedisClient, keys: KeyBuilder, config: Partial<SessionConfig> = {}): StoreDeps {
  const k = sessionKeys(keys);
  const count: StoreDeps['count'] = async (fields) => {
    const entries = Object.entries(fields).filter(([, n]) => n);
    if (!entries.length) return;
    const m = redis.multi();
    for (const [field, n] of entries) m.hincrby(k.stats, field, n!);
    await m.exec().catch(() => {});
  };
  // A session leaving the index by expiry or revocation is one `active` less, counted once.
  const unindexed = (n: unknown, stat: StatField) => (Number(n) > 0 ? count({ [stat]: Number(n), active: -Number(n) }) : Promise.resolve());
  const touch = luaCommand<[string, number?, string?]>(redis, 'sess_touch', file('touch-session'), 4);
  const rotate = luaCommand<[string, number?, string?]>(redis, 'sess_rotate', file('rotate-refresh'), 3);
  const prune = luaCommand<number>(redis, 'sess_prune', file('prune-session'), 2);
  const ends = new Map<number, LuaCommand<number>>();
  return {
    redis,
    k,
    count,
    config: { idleTtlMs: 30 * 60_000, absoluteTtlMs: 7 * 24 * 3_600_000, now: Date.now, maxSessionsPerUser: 50, ...config },
    scripts: {
      async touch(keys_, args) {
        const r = await touch(keys_, args);
        if (r[0] === 'session_expired') await unindexed(r[1], 'expirations');
        return r;
      },
      async rotate(keys_, args) {
        const r = await rotate(keys_, args);
        if (r[0] === 'ok') await count({ refreshes: 1 });
        else if (r[0] === 'refresh_reused') await Promise.all([count({ reuse_detected: 1 }), unindexed(r[1], 'revocations')]);
        else if (r[0] === 'session_expired') await unindexed(r[1], 'expirations');
        return r;
      },
      async prune(keys_, args) {
        const r = Number(await prune(keys_, args));
        await unindexed(r, 'expirations');
        return r;
      },
      end(n) {
        let cmd = ends.get(n);
        if (!cmd) {
          const script = luaCommand<[number, number]>(redis, `sess_end${n}`, file('end-sessions'), 1 + 2 * n);
          cmd = async (keys_, args) => {
            const [ended, removed] = await script(keys_, args);
            await count({ revocations: Number(ended), active: -Number(removed) });
            return Number(ended);
          };
          ends.set(n, cmd);
        }
        return cmd;
      },
    },
  };
}

/** A stored session, as listed on GET /sessions. */
export interface SessionInfo {
  sid: string;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}
