// The lesson: a leaderboard on one sorted set. Writes go through Lua so that checking, stamping the
// tie-break and publishing the change happen atomically; reads are single commands (or one pipeline).
// Inputs arrive here already validated by LeaderboardBase.
import { LeaderboardBase, type Entry, type SetMode, type SetScoreResult } from './leaderboard-base';
import { MAX_SCORE, storedRange } from './score-encoding';

export type { Entry, LeaderboardOptions, ScoreUpdate, SetScoreResult } from './leaderboard-base';

export class Leaderboard extends LeaderboardBase {
  /** set-score.lua: ZADD (with GT/LT semantics), a fresh tie-break stamp, PUBLISH — atomically. */
  protected async writeScore(member: string, score: number, mode: SetMode): Promise<SetScoreResult> {
    const [changed, now, rank] = await this.setScoreScript([this.key, this.seqKey], [member, score, mode, this.ties, this.publishChannel]);
    return { updated: changed === 1, score: Number(now), rank };
  }

  /** incr-score.lua: ZINCRBY that also re-stamps the tie-break and publishes. */
  protected async addToScore(member: string, delta: number): Promise<{ score: number; rank: number }> {
    const [now, rank] = await this.incrScoreScript([this.key, this.seqKey], [member, delta, this.ties, this.publishChannel, MAX_SCORE]);
    return { score: Number(now), rank };
  }

  /** ZRANGE key start stop REV WITHSCORES: O(log n + count). */
  protected async rankRange(start: number, count: number): Promise<Entry[]> {
    const flat = await this.redis.zrange(this.key, start, start + count - 1, 'REV', 'WITHSCORES');
    return this.entries(flat, start + 1);
  }

  /** ZREVRANK + ZSCORE in one pipeline: one round trip. */
  protected async memberRank(member: string): Promise<Entry | null> {
    const [[, rank], [, stored]] = (await this.redis.pipeline().zrevrank(this.key, member).zscore(this.key, member).exec()) as [
      [null, number | null],
      [null, string | null],
    ];
    if (rank === null || stored === null) return null;
    return { member, score: this.decode(stored), rank: rank + 1 };
  }

  /**
   * ZRANGE BYSCORE REV over the stored-score range that covers [min, max]; the first rank is 1 plus
   * the members above max (ZCOUNT, O(log n)).
   */
  protected async scoreRange(min: number, max: number, offset: number, limit: number): Promise<Entry[]> {
    const [from, to] = this.ties === 'first-reached' ? storedRange(min, max) : [min, max];
    const [[, above], [, flat]] = (await this.redis
      .pipeline()
      .zcount(this.key, `(${to}`, '+inf')
      .zrange(this.key, to, from, 'BYSCORE', 'REV', 'LIMIT', offset, limit, 'WITHSCORES')
      .exec()) as [[null, number], [null, string[]]];
    return this.entries(flat, above + offset + 1);
  }
}
