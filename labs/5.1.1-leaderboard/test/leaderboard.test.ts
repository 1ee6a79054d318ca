import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { waitFor } from '../../../harness/ports';
import { runRace } from '../../../harness/race';
import { ValidationError } from '../../../shared/errors';
import { Leaderboard, type ScoreUpdate } from '../src/leaderboard';
import { decodeScore, MAX_SCORE } from '../src/score-encoding';

let ctx: LabContext;
let n = 0;
/** A fresh board per test, so tests do not see each other's members. */
const board = (opts?: ConstructorParameters<typeof Leaderboard>[3]) => new Leaderboard(ctx.redis, ctx.keys, `b${++n}`, opts);
const storedScore = async (b: Leaderboard, member: string) => decodeScore(Number(await ctx.redis.zscore(b.key, member)));

beforeAll(async () => {
  ctx = await createTestContext('5.1.1', { services: ['redis'] });
});
afterAll(() => ctx.dispose());

describe('exercise 1: set a score (set-score.lua)', () => {
  it('adds a member and returns its rank', async () => {
    const b = board();
    await b.setScore('ada', 10);
    expect(await b.setScore('bob', 20)).toEqual({ updated: true, score: 20, rank: 1 });
    expect(await storedScore(b, 'ada')).toBe(10);
  });

  it('only: higher keeps the best score (GT), only: lower the lowest (LT)', async () => {
    const b = board();
    await b.setScore('ada', 50, { only: 'higher' });
    expect(await b.setScore('ada', 40, { only: 'higher' })).toMatchObject({ updated: false, score: 50 });
    expect(await b.setScore('ada', 60, { only: 'higher' })).toMatchObject({ updated: true, score: 60 });
    const times = board();
    await times.setScore('ada', 90, { only: 'lower' });
    expect(await times.setScore('ada', 95, { only: 'lower' })).toMatchObject({ updated: false, score: 90 });
    expect(await times.setScore('ada', 85, { only: 'lower' })).toMatchObject({ updated: true, score: 85 });
  });

  it('orders equal scores by who reached them first, even when resubmitted', async () => {
    const b = board();
    await b.setScore('first', 100);
    await b.setScore('second', 100);
    await b.setScore('first', 100); // same score again: keeps its original stamp
    const ranks = await ctx.redis.zrange(b.key, 0, -1, 'REV');
    expect(ranks).toEqual(['first', 'second']);
  });

  it('lexical boards use ZADD GT directly and order ties by name', async () => {
    const b = board({ ties: 'lexical' });
    await b.setScore('zed', 1.5);
    await b.setScore('amy', 1.5);
    expect(await b.setScore('amy', 1.25, { only: 'higher' })).toMatchObject({ updated: false, score: 1.5 });
    expect(await ctx.redis.zrange(b.key, 0, -1, 'REV')).toEqual(['zed', 'amy']);
  });

  it('publishes every change on the board channel', async () => {
    const b = board();
    const sub = ctx.newRedis();
    await sub.ping(); // ready before SUBSCRIBE: ioredis's ready check cannot run in subscriber mode
    const got: ScoreUpdate[] = [];
    sub.on('message', (_ch, msg) => got.push(JSON.parse(msg)));
    await sub.subscribe(b.channel);
    await b.setScore('ada', 7);
    await b.setScore('ada', 7); // unchanged: no message
    await b.setScore('bob', 9);
    await waitFor(() => got.length >= 2, { what: 'two updates' });
    expect(got).toEqual([
      { type: 'score', member: 'ada', score: 7, rank: 1 },
      { type: 'score', member: 'bob', score: 9, rank: 1 },
    ]);
  });
});

describe('exercise 2: atomic increments (incr-score.lua)', () => {
  it('adds and subtracts, returning score and rank', async () => {
    const b = board();
    await b.loadMany([{ member: 'ada', score: 10 }]);
    expect(await b.increment('bob', 15)).toEqual({ score: 15, rank: 1 });
    expect(await b.increment('bob', -10)).toEqual({ score: 5, rank: 2 });
  });

  it('loses nothing under 1,000 concurrent increments from two processes', async () => {
    const b = board();
    const race = await runRace({
      module: new URL('./increment-actor.ts', import.meta.url),
      actors: 1000,
      processes: 2,
      args: { redisUrl: ctx.services.redis.url, prefix: ctx.prefix, board: b.name },
      invariant: (outcomes) => outcomes.filter((o) => !o.ok).map((o) => `actor ${o.index} failed: ${!o.ok && o.error}`),
    });
    // The first broken rule leads the failure message, so a starter's NotImplemented error shows in full.
    expect(race.violations, race.violations[0]).toEqual([]);
    const top = await ctx.redis.zrange(b.key, 0, -1, 'REV', 'WITHSCORES');
    let total = 0;
    for (let i = 1; i < top.length; i += 2) total += decodeScore(Number(top[i]));
    expect(total).toBe(1000);
    expect(await b.count()).toBe(10);
  });

  it('an increment re-stamps the tie-break: reaching a score later ranks lower', async () => {
    const b = board();
    await b.loadMany([{ member: 'ada', score: 10 }]);
    await b.increment('bob', 10);
    expect(await ctx.redis.zrange(b.key, 0, -1, 'REV')).toEqual(['ada', 'bob']);
  });

  it("adding 0 keeps the member's place among equal scores", async () => {
    const b = board();
    await b.loadMany([
      { member: 'ada', score: 10 },
      { member: 'bob', score: 10 },
    ]);
    expect(await b.increment('ada', 0)).toEqual({ score: 10, rank: 1 });
    expect(await ctx.redis.zrange(b.key, 0, -1, 'REV')).toEqual(['ada', 'bob']);
  });

  it('publishes every increment on the board channel', async () => {
    const b = board();
    const sub = ctx.newRedis();
    await sub.ping();
    const got: ScoreUpdate[] = [];
    sub.on('message', (_ch, msg) => got.push(JSON.parse(msg)));
    await sub.subscribe(b.channel);
    await b.increment('ada', 5);
    await b.increment('bob', 7);
    await b.increment('ada', -1);
    await waitFor(() => got.length >= 3, { what: 'three updates' });
    expect(got).toEqual([
      { type: 'score', member: 'ada', score: 5, rank: 1 },
      { type: 'score', member: 'bob', score: 7, rank: 1 },
      { type: 'score', member: 'ada', score: 4, rank: 2 },
    ]);
  });

  it('refuses to leave the encodable range with a ValidationError, writing nothing', async () => {
    const b = board();
    await b.loadMany([{ member: 'ada', score: MAX_SCORE }]);
    const seq = await ctx.redis.get(b.seqKey);
    const err = await b.increment('ada', 1).catch((e: unknown) => e);
    expect(err, String(err)).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/delta: .*encodable range/);
    expect(await storedScore(b, 'ada')).toBe(MAX_SCORE);
    expect(await ctx.redis.get(b.seqKey)).toBe(seq);
  });
});

describe('exercise 3: top N and pages', () => {
  it('returns the leaders best first with 1-based ranks', async () => {
    const b = board();
    await b.loadMany([
      { member: 'c', score: 30 },
      { member: 'a', score: 50 },
      { member: 'b', score: 40 },
      { member: 'd', score: 10 },
    ]);
    expect(await b.top(3)).toEqual([
      { member: 'a', score: 50, rank: 1 },
      { member: 'b', score: 40, rank: 2 },
      { member: 'c', score: 30, rank: 3 },
    ]);
  });

  it('pages by rank range', async () => {
    const b = board();
    await b.loadMany(Array.from({ length: 25 }, (_, i) => ({ member: `p${i}`, score: i })));
    const page2 = await b.page(2, 10);
    expect(page2.map((e) => e.rank)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(page2[0]).toEqual({ member: 'p14', score: 14, rank: 11 });
    expect(await b.page(3, 10)).toHaveLength(5);
    expect(await b.page(4, 10)).toEqual([]);
  });

  it('keeps first-reached order among equal scores loaded in bulk', async () => {
    const b = board();
    await b.loadMany([
      { member: 'early', score: 5 },
      { member: 'late', score: 5 },
    ]);
    expect((await b.top(2)).map((e) => e.member)).toEqual(['early', 'late']);
  });
});

describe('exercise 4: rank of a member', () => {
  it('returns rank and score in one round trip, or null', async () => {
    const b = board();
    await b.loadMany([
      { member: 'a', score: 3 },
      { member: 'b', score: 2 },
      { member: 'c', score: 1 },
    ]);
    expect(await b.rankOf('b')).toEqual({ member: 'b', score: 2, rank: 2 });
    expect(await b.rankOf('nobody')).toBeNull();
  });
});

describe('exercise 5: score ranges', () => {
  it('returns members within [min, max] with their true ranks', async () => {
    const b = board();
    await b.loadMany(Array.from({ length: 10 }, (_, i) => ({ member: `p${i}`, score: i * 10 })));
    const mid = await b.byScore(30, 60);
    expect(mid).toEqual([
      { member: 'p6', score: 60, rank: 4 },
      { member: 'p5', score: 50, rank: 5 },
      { member: 'p4', score: 40, rank: 6 },
      { member: 'p3', score: 30, rank: 7 },
    ]);
    expect(await b.byScore(30, 60, { offset: 1, limit: 2 })).toEqual(mid.slice(1, 3));
  });

  it('includes every member tied at the bounds', async () => {
    const b = board();
    await b.loadMany([
      { member: 'x', score: 10 },
      { member: 'y', score: 10 },
      { member: 'z', score: 11 },
    ]);
    expect((await b.byScore(10, 10)).map((e) => e.member)).toEqual(['x', 'y']);
  });
});

describe('input validation', () => {
  const bad: Array<[string, (b: Leaderboard) => Promise<unknown>, RegExp]> = [
    ['non-finite score', (b) => b.setScore('ada', Number.POSITIVE_INFINITY), /score/],
    ['NaN score', (b) => b.setScore('ada', Number.NaN), /score/],
    ['fractional score on a first-reached board', (b) => b.setScore('ada', 1.5), /whole number/],
    ['score beyond the encodable range', (b) => b.setScore('ada', MAX_SCORE + 1), /within/],
    ['empty member', (b) => b.setScore('', 1), /member/],
    ['oversized member', (b) => b.setScore('x'.repeat(129), 1), /at most 128/],
    ['control characters in member', (b) => b.increment('a\nb', 1), /control/],
    ['negative page size', (b) => b.top(-1), /page size/],
    ['huge page size', (b) => b.page(1, 1_000_000), /page size/],
    ['page 0', (b) => b.page(0, 10), /page/],
    ['min above max', (b) => b.byScore(10, 1), /min/],
  ];
  for (const [what, call, message] of bad) {
    it(`rejects ${what} with a ValidationError and writes nothing`, async () => {
      const b = board();
      const err = await call(b).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as Error).message).toMatch(message);
      expect(await ctx.redis.exists(b.key, b.seqKey)).toBe(0);
    });
  }

  it('rejects a bad board name up front', () => {
    expect(() => new Leaderboard(ctx.redis, ctx.keys, '')).toThrow(ValidationError);
  });

  it('count and remove work on the base board, and a removal is published', async () => {
    const b = board();
    await b.loadMany([
      { member: 'a', score: 1 },
      { member: 'b', score: 2 },
    ]);
    const sub = ctx.newRedis();
    await sub.ping();
    const got: ScoreUpdate[] = [];
    sub.on('message', (_ch, msg) => got.push(JSON.parse(msg)));
    await sub.subscribe(b.channel);
    expect(await b.remove('a')).toBe(true);
    expect(await b.remove('a')).toBe(false); // not there any more: no second message
    await b.remove('b');
    await waitFor(() => got.length >= 2, { what: 'two removals' });
    expect(got).toEqual([
      { type: 'removed', member: 'a' },
      { type: 'removed', member: 'b' },
    ]);
    expect(await b.count()).toBe(0);
  });
});
