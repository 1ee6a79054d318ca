// Three boards in sorted sets. Top-rated: the Bayesian average of every book with enough reviews,
// written with a version guard (board-set.lua) so concurrent writes end on the newest summary.
// Most reviewed this week: ZINCRBY on the current week's set, which expires two weeks later.
// Top reviewers: ZINCRBY of each vote's effect on the review writer's helpful total.
// `rebuild` recomputes all three from Postgres and reports how far Redis had drifted.
import type { RedisClient } from '../../shared/redis-client';
import { luaCommand, type LuaCommand } from '../../shared/lua';
import type { Db, WriteResult } from './db';
import type { CacheKeys } from './keys';
import { DEFAULT_RANKING, topRatedScore, weekOf, weekStart, type RankingRules } from './ranking';

export interface BoardEntry {
  bookId: number;
  score: number;
  rank: number;
}

export interface Drift {
  /** Members whose score in Redis differed from Postgres (or were missing / extra). */
  topRated: number;
  reviewedWeek: number;
  /** Reviewers whose helpful total in Redis differed from Postgres (or were missing / extra). */
  topReviewers: number;
}

const WEEK_KEY_TTL_SEC = 14 * 86_400;

export class Leaderboards {
  private readonly setScore: LuaCommand<number>;
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: CacheKeys,
    private readonly now: () => number = Date.now,
    readonly rules: RankingRules = DEFAULT_RANKING,
  ) {
    this.setScore = luaCommand<number>(redis, 'capBoardSet', new URL('./board-set.lua', import.meta.url), 2);
  }

  /** After a committed review write: move the book on the top-rated board, count it this week. */
  async onReviewWrite(w: WriteResult, delta: 1 | 0 | -1): Promise<void> {
    const score = topRatedScore(w.summary.count, w.summary.sum, this.rules);
    await this.setScore([this.keys.topRated, this.keys.topRatedVersions], [String(w.bookId), score === null ? '' : score, w.summary.version]);
    const week = weekOf(this.now());
    if (delta !== 0 && weekOf(w.reviewCreatedAt) === week) {
      const key = this.keys.reviewedWeek(week);
      await this.redis.multi().zincrby(key, delta, String(w.bookId)).expire(key, WEEK_KEY_TTL_SEC).exec();
    }
  }

  /** After a committed vote: the review author's helpful total moves by the vote's effect (ZINCRBY commutes: exact under concurrency). */
  async onVote(authorId: number, delta: number): Promise<void> {
    if (delta !== 0) await this.redis.zincrby(this.keys.topReviewers, delta, String(authorId));
  }

  async topReviewers(limit: number): Promise<Array<{ userId: number; helpful: number; rank: number }>> {
    const flat = await this.redis.zrange(this.keys.topReviewers, 0, limit - 1, 'REV', 'WITHSCORES');
    const out = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ userId: Number(flat[i]), helpful: Number(flat[i + 1]), rank: i / 2 + 1 });
    return out;
  }

  async topRated(limit: number): Promise<BoardEntry[]> {
    return entries(await this.redis.zrange(this.keys.topRated, 0, limit - 1, 'REV', 'WITHSCORES'));
  }

  async reviewedThisWeek(limit: number): Promise<BoardEntry[]> {
    const flat = await this.redis.zrangebyscore(this.keys.reviewedWeek(weekOf(this.now())), '(0', '+inf', 'WITHSCORES');
    // ZRANGEBYSCORE is ascending; the top is read from the end. (Sets are a week of books: small.)
    const out: BoardEntry[] = [];
    for (let i = flat.length - 2; i >= 0 && out.length < limit; i -= 2) out.push({ bookId: Number(flat[i]), score: Number(flat[i + 1]), rank: out.length + 1 });
    return out;
  }

  /** The same boards computed by Postgres: the fallback when Redis is down, and the rebuild's truth. */
  async fromPostgres(db: Db, board: 'top-rated' | 'reviewed-week', limit: number): Promise<BoardEntry[]> {
    if (board === 'reviewed-week') {
      const rows = await db.reviewedSince(weekStart(weekOf(this.now())), limit);
      return rows.map((r, i) => ({ bookId: r.bookId, score: r.count, rank: i + 1 }));
    }
    const scored = (await db.summaries(this.rules.minReviews))
      .map((s) => ({ bookId: s.bookId, score: topRatedScore(s.count, s.sum, this.rules)! }))
      .sort((a, b) => b.score - a.score || b.bookId - a.bookId);
    return scored.slice(0, limit).map((s, i) => ({ ...s, rank: i + 1 }));
  }

  /** Recomputes both boards from Postgres, counting the members that had drifted. */
  async rebuild(db: Db): Promise<Drift> {
    const summaries = await db.summaries(0);
    const before = new Map<string, number>();
    const flat = await this.redis.zrange(this.keys.topRated, 0, -1, 'WITHSCORES');
    for (let i = 0; i < flat.length; i += 2) before.set(flat[i]!, Number(flat[i + 1]));
    let topDrift = 0;
    const next = new Map<string, number>();
    for (const s of summaries) {
      const score = topRatedScore(s.count, s.sum, this.rules);
      if (score !== null) next.set(String(s.bookId), score);
    }
    for (const [m, score] of next) if (before.get(m) !== score) topDrift++;
    for (const m of before.keys()) if (!next.has(m)) topDrift++;
    const week = weekOf(this.now());
    const weekKey = this.keys.reviewedWeek(week);
    const weekRows = await db.reviewedSince(weekStart(week), 1_000_000);
    const weekBefore = new Map<string, number>();
    const wflat = await this.redis.zrange(weekKey, 0, -1, 'WITHSCORES');
    for (let i = 0; i < wflat.length; i += 2) weekBefore.set(wflat[i]!, Number(wflat[i + 1]));
    let weekDrift = 0;
    for (const r of weekRows) if (weekBefore.get(String(r.bookId)) !== r.count) weekDrift++;
    for (const [m, n] of weekBefore) if (n > 0 && !weekRows.some((r) => String(r.bookId) === m)) weekDrift++;

    // Write into fresh keys and RENAME over the live ones: readers never see a half-built board.
    const tmpTop = `${this.keys.topRated}:rebuild`;
    const tmpVersions = `${this.keys.topRatedVersions}:rebuild`;
    const tmpWeek = `${weekKey}:rebuild`;
    await this.redis.unlink(tmpTop, tmpVersions, tmpWeek);
    for (let i = 0; i < summaries.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const s of summaries.slice(i, i + 1000)) {
        const score = next.get(String(s.bookId));
        if (score !== undefined) p.zadd(tmpTop, score, String(s.bookId));
        p.hset(tmpVersions, String(s.bookId), s.version);
      }
      await p.exec();
    }
    for (let i = 0; i < weekRows.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const r of weekRows.slice(i, i + 1000)) p.zadd(tmpWeek, r.count, String(r.bookId));
      await p.exec();
    }
    const reviewers = await db.helpfulByUser(1_000_000);
    const reviewersBefore = new Map<string, number>();
    const rflat = await this.redis.zrange(this.keys.topReviewers, 0, -1, 'WITHSCORES');
    for (let i = 0; i < rflat.length; i += 2) reviewersBefore.set(rflat[i]!, Number(rflat[i + 1]));
    let reviewersDrift = 0;
    for (const r of reviewers) if (reviewersBefore.get(String(r.userId)) !== r.helpful) reviewersDrift++;
    // A member at 0 is harmless (ZINCRBY leaves it when votes are withdrawn); any other extra member drifted.
    const truth = new Set(reviewers.map((r) => String(r.userId)));
    for (const [m, n] of reviewersBefore) if (n !== 0 && !truth.has(m)) reviewersDrift++;
    const tmpReviewers = `${this.keys.topReviewers}:rebuild`;
    await this.redis.unlink(tmpReviewers);
    for (let i = 0; i < reviewers.length; i += 1000) {
      const p = this.redis.pipeline();
      for (const r of reviewers.slice(i, i + 1000)) p.zadd(tmpReviewers, r.helpful, String(r.userId));
      await p.exec();
    }
    const swap = this.redis.multi();
    if (reviewers.length) swap.rename(tmpReviewers, this.keys.topReviewers);
    else swap.unlink(this.keys.topReviewers);
    if (next.size) swap.rename(tmpTop, this.keys.topRated);
    else swap.unlink(this.keys.topRated);
    if (summaries.length) swap.rename(tmpVersions, this.keys.topRatedVersions);
    if (weekRows.length) swap.rename(tmpWeek, weekKey).expire(weekKey, WEEK_KEY_TTL_SEC);
    else swap.unlink(weekKey);
    await swap.exec();
    return { topRated: topDrift, reviewedWeek: weekDrift, topReviewers: reviewersDrift };
  }
}

function entries(flat: string[]): BoardEntry[] {
  const out: BoardEntry[] = [];
  for (let i = 0; i < flat.length; i += 2) out.push({ bookId: Number(flat[i]), score: Number(flat[i + 1]), rank: i / 2 + 1 });
  return out;
}
