// What every session operation shares: the keys, the clock and lifetimes, and the Lua scripts.
// All keys of one user carry the user id as a {hash tag}, so on Redis Cluster a user's sessions, index
// and tombstones share a slot and each script stays single-slot (the global stats hash is the one
// exception: on a cluster it would become one small hash per slot, summed by /sessions/stats).
import type { Redis } from 'ioredis';
import type { KeyBuilder } from '../../../shared/keys';
import { luaCommand, type LuaCommand } from '../../../shared/lua';

export interface SessionConfig {
  /** Sliding expiry: a session dies this long after its last use (ms). */
  idleTtlMs: number;
  /** Absolute expiry: no session outlives this, however active (ms). Refresh tokens expire with it. */
  absoluteTtlMs: number;
  /** Milliseconds since the epoch. */
  now: () => number;
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
    indexPattern: keys.pattern('user-sessions'),
    parseSession(key) {
      if (!key.startsWith(head)) return undefined;
      const m = /^([^}]+)\}:(.+)$/.exec(key.slice(head.length));
      return m ? { userId: m[1]!, sid: m[2]! } : undefined;
    },
  };
}

export interface Scripts {
  touch: LuaCommand<[string, number?, string?]>;
  rotate: LuaCommand<[string, number?, string?]>;
  prune: LuaCommand<number>;
  /** end-sessions.lua for n sessions (2 + 2n keys). */
  end(n: number): LuaCommand<number>;
}

export interface StoreDeps {
  redis: Redis;
  k: SessionKeys;
  config: SessionConfig;
  scripts: Scripts;
}

const file = (name: string) => new URL(`./${name}.lua`, import.meta.url);

export function storeDeps(redis: Redis, keys: KeyBuilder, config: Partial<SessionConfig> = {}): StoreDeps {
  const ends = new Map<number, LuaCommand<number>>();
  return {
    redis,
    k: sessionKeys(keys),
    config: { idleTtlMs: 30 * 60_000, absoluteTtlMs: 7 * 24 * 3_600_000, now: Date.now, ...config },
    scripts: {
      touch: luaCommand(redis, 'sess_touch', file('touch-session'), 5),
      rotate: luaCommand(redis, 'sess_rotate', file('rotate-refresh'), 4),
      prune: luaCommand(redis, 'sess_prune', file('prune-session'), 3),
      end(n) {
        let cmd = ends.get(n);
        if (!cmd) ends.set(n, (cmd = luaCommand<number>(redis, `sess_end${n}`, file('end-sessions'), 2 + 2 * n)));
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
