// The plumbing every leaderboard shares: key names, input checks, the Lua scripts, parsing replies,
// and the operations that are not the lesson (count, remove, bulk load). The lesson's operations live
// in leaderboard.ts.
import type { KeyBuilder } from '../../../shared/keys';
import type { RedisClient } from '../../../shared/redis-client';
import { luaCommand, type LuaCommand } from '../../../shared/lua';
import { decodeScore, encodeScore, MAX_SCORE, type TieBreak } from './score-encoding';
import { ValidationError } from '../../../shared/errors';
import { check, memberSchema, offsetSchema, pageNumberSchema, pageSizeSchema, scoreSchema } from './validation';

export interface Entry {
  member: string;
  score: number;
  /** 1-based: the leader is rank 1. */
  rank: number;
}

export interface LeaderboardOptions {
  /** How equal scores are ordered (default: whoever reached the score first ranks higher). */
  ties?: TieBreak;
  /** Publish every change on the board's channel (default true). */
  publish?: boolean;
}

/** What the board's channel carries: a member's new score and rank, or its removal. */
export type ScoreUpdate = { type: 'score'; member: string; score: number; rank: number } | { type: 'removed'; member: string };

export interface SetScoreResult {
  /** False when GT/LT (or an unchanged score) left the stored score as it was. */
  updated: boolean;
  score: number;
  rank: number;
}

/** '' = always set, 'GT' = only when higher, 'LT' = only when lower (ZADD's flag names). */
export type SetMode = '' | 'GT' | 'LT';

export abstract class LeaderboardBase {
  /** The sorted set. `{name}` is a hash tag: the set and its counter share a cluster slot. */
  readonly key: string;
  /** INCR counter that stamps "when" a member reached its score (first-reached ties). */
  readonly seqKey: string;
  /** Pub/sub channel that carries every change as JSON (a ScoreUpdate). */
  readonly channel: string;
  readonly ties: TieBreak;
  protected readonly publishChannel: string;
  private readonly scoreRule: ReturnType<typeof scoreSchema>;
  protected readonly setScoreScript: LuaCommand<[number, string, number]>;
  protected readonly incrScoreScript: LuaCommand<[string, number]>;
  private readonly removeScript: LuaCommand<number>;

  constructor(
    protected readonly redis: RedisClient,
    keys: KeyBuilder,
    readonly name: string,
    opts: LeaderboardOptions = {},
  ) {
    check(memberSchema, name, 'board name');
    this.key = keys.tagged('board', name);
    this.seqKey = `${this.key}:seq`;
    this.channel = `${this.key}:updates`;
    this.ties = opts.ties ?? 'first-reached';
    this.scoreRule = scoreSchema(this.ties);
    this.publishChannel = opts.publish === false ? '' : this.channel;
    this.setScoreScript = luaCommand(redis, 'lbSetScore', new URL('./set-score.lua', import.meta.url), 2);
    this.incrScoreScript = luaCommand(redis, 'lbIncrScore', new URL('./incr-score.lua', import.meta.url), 2);
    this.removeScript = luaCommand(redis, 'lbRemoveMember', new URL('./remove-member.lua', import.meta.url), 1);
  }

  protected checkMember(member: unknown): string {
    return check(memberSchema, member, 'member');
  }

  protected checkScore(score: unknown, field = 'score'): number {
    return check(this.scoreRule, score, field);
  }

  protected checkPageSize(size: unknown): number {
    return check(pageSizeSchema, size, 'page size');
  }

  /** Stored sorted-set score → the real score. */
  protected decode(stored: string | number): number {
    return this.ties === 'first-reached' ? decodeScore(Number(stored)) : Number(stored);
  }

  /** Parses a WITHSCORES reply ([member, score, member, score…]) into entries ranked from `firstRank`. */
  protected entries(flat: string[], firstRank: number): Entry[] {
    const out: Entry[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i]!, score: this.decode(flat[i + 1]!), rank: firstRank + i / 2 });
    return out;
  }

  // The public API validates every input, so nothing malformed reaches Redis, then hands the Redis
  // work to the lesson's methods in leaderboard.ts.

  /**
   * Sets a score. `only: 'higher'` keeps a player's best (GT), `only: 'lower'` a best time (LT);
   * new members are always added.
   */
  async setScore(member: string, score: number, opts: { only?: 'higher' | 'lower' } = {}): Promise<SetScoreResult> {
    const mode: SetMode = opts.only === 'higher' ? 'GT' : opts.only === 'lower' ? 'LT' : '';
    return this.writeScore(this.checkMember(member), this.checkScore(score), mode);
  }

  /** Adds `delta` (may be negative) atomically, like ZINCRBY, and returns the new score and rank. */
  async increment(member: string, delta: number): Promise<{ score: number; rank: number }> {
    const m = this.checkMember(member);
    const d = this.checkScore(delta, 'delta');
    try {
      return await this.addToScore(m, d);
    } catch (err) {
      // Only the script knows the current score; it refuses (writing nothing) when the sum would not fit.
      if (err instanceof Error && /encodable range/.test(err.message)) {
        throw new ValidationError(`delta: ${m}'s score plus ${d} would leave the encodable range ±${MAX_SCORE}`, { field: 'delta', value: d });
      }
      throw err;
    }
  }

  /** The leaders, best first. */
  async top(n: number): Promise<Entry[]> {
    return this.rankRange(0, this.checkPageSize(n));
  }

  /** Page `page` (1-based) of `size` entries by rank. */
  async page(page: number, size: number): Promise<Entry[]> {
    const p = check(pageNumberSchema, page, 'page');
    const s = this.checkPageSize(size);
    return this.rankRange((p - 1) * s, s);
  }

  /** A member's rank and score, or null if it is not on the board. */
  async rankOf(member: string): Promise<Entry | null> {
    return this.memberRank(this.checkMember(member));
  }

  /** Members whose score is within [min, max], best first, with their ranks. */
  async byScore(min: number, max: number, opts: { offset?: number; limit?: number } = {}): Promise<Entry[]> {
    const lo = this.checkScore(min, 'min');
    const hi = this.checkScore(max, 'max');
    if (lo > hi) throw new ValidationError(`min (${lo}) must not be greater than max (${hi})`, { min: lo, max: hi });
    return this.scoreRange(lo, hi, check(offsetSchema, opts.offset ?? 0, 'offset'), this.checkPageSize(opts.limit ?? 100));
  }

  protected abstract writeScore(member: string, score: number, mode: SetMode): Promise<SetScoreResult>;
  protected abstract addToScore(member: string, delta: number): Promise<{ score: number; rank: number }>;
  /** `count` entries starting at 0-based rank `start`. */
  protected abstract rankRange(start: number, count: number): Promise<Entry[]>;
  protected abstract memberRank(member: string): Promise<Entry | null>;
  protected abstract scoreRange(min: number, max: number, offset: number, limit: number): Promise<Entry[]>;

  /** How many members the board has. */
  count(): Promise<number> {
    return this.redis.zcard(this.key);
  }

  /** Removes a member (remove-member.lua publishes `{ type: 'removed', member }`); true if it was there. */
  async remove(member: string): Promise<boolean> {
    return (await this.removeScript([this.key], [this.checkMember(member), this.publishChannel])) === 1;
  }

  /** Deletes the board and its counter (a reset, not a game event: nothing is published). */
  async clear(): Promise<void> {
    await this.redis.del(this.key, this.seqKey);
  }

  /**
   * Bulk load for an initial import: one ZADD per batch of members, several batches in flight, and
   * tie-break stamps reserved 65,536 at a time with one INCRBY, so the load costs about one round
   * trip per batch. Existing members are overwritten; nothing is published.
   */
  async loadMany(entries: Iterable<{ member: string; score: number }>, batchSize = 1000, onBatch?: (n: number) => void): Promise<number> {
    const SEQ_BLOCK = 65_536;
    let nextSeq = 0;
    let lastSeq = -1;
    let total = 0;
    const inFlight = new Set<Promise<unknown>>();
    let args: Array<string | number> = [];
    const send = async () => {
      const n = args.length / 2;
      const p = this.redis.zadd(this.key, ...args).then(() => onBatch?.(n));
      args = [];
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p)).catch(() => {});
      // A few batches in flight keep the connection busy without buffering everything.
      if (inFlight.size >= 8) await Promise.race(inFlight);
    };
    for (const e of entries) {
      const member = this.checkMember(e.member);
      const score = this.checkScore(e.score);
      if (this.ties === 'first-reached') {
        if (nextSeq > lastSeq) {
          lastSeq = await this.redis.incrby(this.seqKey, SEQ_BLOCK);
          nextSeq = lastSeq - SEQ_BLOCK + 1;
        }
        args.push(encodeScore(score, nextSeq++), member);
      } else {
        args.push(score, member);
      }
      total++;
      if (args.length === batchSize * 2) await send();
    }
    if (args.length) await send();
    await Promise.all(inFlight);
    return total;
  }

  static readonly MAX_SCORE = MAX_SCORE;
}
