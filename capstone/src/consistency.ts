// The post-load consistency check (bench, tests): what Redis holds against what Postgres computes,
// read-only. The three boards member by member, and the rating summary of every cached book page
// among `bookIds` (count, average and version). Rendered leaderboard lists are not compared: the policy table lets them lag 10 s.
import type { RedisClient } from '../../shared/redis-client';
import { summaryOf, type RatingSummary } from './db';
import { topRatedScore, weekOf, weekStart } from './ranking';
import type { BookService } from './service';

export interface Consistency {
  /** Members compared (board members + cached pages). */
  checked: number;
  mismatches: { topRated: number; reviewedWeek: number; topReviewers: number; cachedSummaries: number };
  total: number;
}

async function zmap(redis: RedisClient, key: string): Promise<Map<string, number>> {
  const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
  const m = new Map<string, number>();
  for (let i = 0; i < flat.length; i += 2) m.set(flat[i]!, Number(flat[i + 1]));
  return m;
}

/** Members whose score differs (a member missing on one side counts, unless its score would be 0). */
function differing(want: Map<string, number>, have: Map<string, number>): number {
  let n = 0;
  for (const [m, s] of want) if (have.get(m) !== s) n++;
  for (const [m, s] of have) if (!want.has(m) && s !== 0) n++;
  return n;
}

export async function checkConsistency(service: BookService, redis: RedisClient, bookIds: number[]): Promise<Consistency> {
  const { db, keys, boards } = service;
  const summaries = await db.summaries(0);
  const wantTop = new Map<string, number>();
  for (const s of summaries) {
    const score = topRatedScore(s.count, s.sum, boards.rules);
    if (score !== null) wantTop.set(String(s.bookId), score);
  }
  const week = weekOf(Date.now());
  const wantWeek = new Map((await db.reviewedSince(weekStart(week), 1_000_000)).map((r) => [String(r.bookId), r.count]));
  const wantReviewers = new Map((await db.helpfulByUser(1_000_000)).map((r) => [String(r.userId), r.helpful]));
  const [haveTop, haveWeek, haveReviewers] = await Promise.all([zmap(redis, keys.topRated), zmap(redis, keys.reviewedWeek(week)), zmap(redis, keys.topReviewers)]);

  const bySummary = new Map(summaries.map((s) => [s.bookId, s]));
  const pipeline = redis.pipeline();
  for (const id of bookIds) pipeline.get(keys.bookPage(id));
  const pages = (await pipeline.exec()) ?? [];
  let cached = 0;
  let cachedSummaries = 0;
  pages.forEach(([, raw], i) => {
    if (typeof raw !== 'string') return;
    const page = (JSON.parse(raw) as { v: { rating: RatingSummary } | null }).v;
    if (!page) return;
    cached++;
    const s = bySummary.get(bookIds[i]!);
    const want = s ? summaryOf(s.count, s.sum, s.version) : undefined;
    if (!want || want.count !== page.rating.count || want.average !== page.rating.average || want.version !== page.rating.version) cachedSummaries++;
  });
  const mismatches = { topRated: differing(wantTop, haveTop), reviewedWeek: differing(wantWeek, haveWeek), topReviewers: differing(wantReviewers, haveReviewers), cachedSummaries };
  return {
    checked: wantTop.size + wantWeek.size + wantReviewers.size + cached,
    mismatches,
    total: mismatches.topRated + mismatches.reviewedWeek + mismatches.topReviewers + mismatches.cachedSummaries,
  };
}
