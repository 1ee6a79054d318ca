// Starter for lab 5.1.1: the Redis side of the leaderboard, left for you. Inputs arrive validated;
// keys, the Lua scripts, reply parsing, bulk load, count and remove are in src/leaderboard-base.ts.
// Grade your progress with: npm run grade 5.1.1 -- --impl starter
import { NotImplementedError } from '../../../shared/errors';
import { LeaderboardBase, type Entry, type SetMode, type SetScoreResult } from '../src/leaderboard-base';

export type { Entry, LeaderboardOptions, ScoreUpdate, SetScoreResult } from '../src/leaderboard-base';

export class Leaderboard extends LeaderboardBase {
  /**
   * Exercise 1. Call this.setScoreScript([this.key, this.seqKey], [member, score, mode, this.ties,
   * this.publishChannel]); it returns [changed 0|1, score as a string, rank]. Read set-score.lua first.
   */
  protected async writeScore(_member: string, _score: number, _mode: SetMode): Promise<SetScoreResult> {
    throw new NotImplementedError('exercise 1: writeScore — call set-score.lua and return { updated, score, rank }');
  }

  /** Exercise 2. this.incrScoreScript with ARGV [member, delta, this.ties, this.publishChannel, MAX_SCORE]. */
  protected async addToScore(_member: string, _delta: number): Promise<{ score: number; rank: number }> {
    throw new NotImplementedError('exercise 2: addToScore — call incr-score.lua and return { score, rank }');
  }

  /** Exercise 3. ZRANGE … REV WITHSCORES from 0-based rank `start`; parse with this.entries(flat, start + 1). */
  protected async rankRange(_start: number, _count: number): Promise<Entry[]> {
    throw new NotImplementedError('exercise 3: rankRange — ZRANGE start stop REV WITHSCORES');
  }

  /** Exercise 4. ZREVRANK and ZSCORE in one pipeline; null when the member is absent. */
  protected async memberRank(_member: string): Promise<Entry | null> {
    throw new NotImplementedError('exercise 4: memberRank — ZREVRANK + ZSCORE in one round trip');
  }

  /**
   * Exercise 5. Stored scores are encoded (score-encoding.ts: storedRange gives the stored bounds for
   * real [min, max]); the first rank is 1 + offset + ZCOUNT of members above max.
   */
  protected async scoreRange(_min: number, _max: number, _offset: number, _limit: number): Promise<Entry[]> {
    throw new NotImplementedError('exercise 5: scoreRange — ZRANGE BYSCORE REV LIMIT + ZCOUNT');
  }
}
