// `npm run lab 5.1.1`: a simulated game. Forty players score points for a few seconds while a
// subscriber on the board's channel prints a live top 5; then a summary of what the board can answer.
import Table from 'cli-table3';
import type { LabContext } from '../../harness/context';
import { Leaderboard, type Entry, type ScoreUpdate } from './src/leaderboard';

const PLAYERS = 40;
const GAME_MS = 6000;

const line = (top: Entry[]) => top.map((e) => `${e.rank}. ${e.member} ${e.score}`).join('  ·  ');

export async function runDemo(ctx: LabContext): Promise<void> {
  const board = new Leaderboard(ctx.redis, ctx.keys, 'arena');
  await board.clear();
  ctx.log.info(`board "${board.name}" is the sorted set ${board.key}; changes are published on ${board.channel}`);

  // Ties: equal scores rank by who got there first, not by name.
  await board.setScore('zoe', 100);
  await board.setScore('amir', 100);
  ctx.log.info(`zoe and amir both have 100; zoe got there first, so: ${line(await board.top(2))}`);
  await board.clear();

  // A second connection listens to the channel: in subscriber mode it can do nothing else.
  const sub = ctx.newRedis();
  await sub.ping(); // connected and ready before it turns into a subscriber
  let updates = 0;
  let dirty = false;
  sub.on('message', (_channel, message) => {
    const u = JSON.parse(message) as ScoreUpdate;
    updates++;
    if (u.type === 'removed' || u.rank <= 5) dirty = true;
  });
  await sub.subscribe(board.channel);

  ctx.log.info(`${PLAYERS} players play for ${GAME_MS / 1000} s; the top 5 is printed (at most twice a second) whenever a message changes it`);
  const players = Array.from({ length: PLAYERS }, (_, i) => `player-${String(i + 1).padStart(2, '0')}`);
  const end = Date.now() + GAME_MS;
  const printer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    void board.top(5).then((top) => ctx.log.info(`live top 5: ${line(top)}`));
  }, 500);
  let plays = 0;
  // Eight players act at a time; each play is one atomic increment (incr-score.lua).
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (Date.now() < end) {
        const who = players[Math.floor(Math.random() ** 1.4 * PLAYERS)]!; // some players are better than others
        await board.increment(who, 1 + Math.floor(Math.random() * 25));
        plays++;
        await new Promise((r) => setTimeout(r, 15));
      }
    }),
  );
  clearInterval(printer);
  await sub.unsubscribe();

  const top = await board.top(10);
  const table = new Table({ head: ['rank', 'player', 'score'] });
  for (const e of top) table.push([e.rank, e.member, e.score]);
  console.log(table.toString());

  const someone = players[PLAYERS - 1]!;
  const mine = await board.rankOf(someone);
  const leaderScore = top[0]?.score ?? 0;
  const band = await board.byScore(Math.floor(leaderScore / 2), leaderScore, { limit: 100 });
  ctx.log.info(`${plays} plays, ${updates} updates received on the channel, ${await board.count()} players on the board`);
  ctx.log.info(`${someone} is ${mine ? `rank ${mine.rank} with ${mine.score}` : 'not on the board'} (ZREVRANK + ZSCORE in one round trip)`);
  ctx.log.info(`page 2 (ranks 6-10, ZRANGE 5 9 REV): ${line(await board.page(2, 5))}`);
  ctx.log.info(`${band.length} players are within half of the leader's score (ZRANGE BYSCORE REV + ZCOUNT for the first rank)`);
  await board.clear();
}
