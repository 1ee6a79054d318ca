// `npm run lab 5.1.B`: the API on an ephemeral port, driven over HTTP like any client would.
import { randomBytes } from 'node:crypto';
import Table from 'cli-table3';
import type { LabContext } from '../../harness/context';
import { listen } from '../../shared/http';
import { signToken } from './src/auth';
import { apiClient, openEventStream } from './src/client';
import { lbKeys } from './src/keys';
import { adminAuthFromEnv, leaderboardService, removeGame } from './src/service';

const table = (head: string[], rows: Array<Array<string | number>>) => {
  const t = new Table({ head });
  t.push(...rows);
  return t.toString();
};
const rowsOf = (entries: Array<{ rank: number; player: string; score: number }>) => entries.map((e) => [e.rank, e.player, e.score]);

export async function runDemo(ctx: LabContext): Promise<void> {
  const log = ctx.log;
  const game = `demo-${randomBytes(3).toString('hex')}`;
  const keys = lbKeys(ctx.keys);
  const auth = adminAuthFromEnv();
  const service = await leaderboardService(ctx, { auth });
  const server = await listen(service.app);
  const api = apiClient(server.url);
  log.info(`API listening on ${server.url} (OpenAPI at ${server.url}/openapi.json, Swagger UI at /docs); game "${game}"`);
  const stream = await openEventStream(`${server.url}/games/${game}/boards/alltime/events?n=3`);
  try {
    await stream.take((e) => e.event === 'snapshot');
    log.info('SSE client subscribed to the all-time top 3');

    const scores: Array<[string, number]> = [
      ['ada', 420], ['bob', 310], ['cy', 310], ['dee', 505], ['eve', 150], ['fay', 310],
      ['gus', 275], ['hal', 610], ['ivy', 90], ['jon', 333], ['kim', 480], ['lea', 200],
    ];
    for (const [player, score] of scores) await api.post(`/games/${game}/scores`, { player, score });
    const again = (await api.post(`/games/${game}/scores`, { player: 'ada', score: 380 })).body;
    log.info(`POSTed ${scores.length + 1} scores; ada's second game (380) did not beat her best: all-time score ${again.boards.alltime.score}, improved=${again.boards.alltime.improved}, games=${again.games}`);
    log.info(`one submission = one Lua script: daily ${again.boards.daily.period}, weekly ${again.boards.weekly.period} and all-time boards, stats and history together`);

    const event = stream.events.filter((e) => e.event === 'top').at(-1);
    if (event) log.info(`last SSE "top" event: ${event.data.player} reached rank ${event.data.rank}; top 3 now ${event.data.top.map((t: { player: string; score: number }) => `${t.player} ${t.score}`).join(', ')}`);

    log.info('paging the all-time board 4 at a time with cursors…');
    const first = (await api.get(`/games/${game}/boards/alltime?limit=4`)).body;
    console.log(table(['rank', 'player', 'score'], rowsOf(first.entries)));
    log.info(`nextCursor ${first.nextCursor} is base64url of ${Buffer.from(first.nextCursor, 'base64url').toString()}`);
    log.info('meanwhile ivy (last, 90) scores 1000 and jumps to the top: an offset would now repeat the last row of page 1');
    await api.post(`/games/${game}/scores`, { player: 'ivy', score: 1000 });
    let cursor = first.nextCursor as string | null;
    const seen = first.entries.map((e: { player: string }) => e.player);
    while (cursor) {
      const page = (await api.get(`/games/${game}/boards/alltime?limit=4&cursor=${cursor}`)).body;
      console.log(table(['rank', 'player', 'score'], rowsOf(page.entries)));
      seen.push(...page.entries.map((e: { player: string }) => e.player));
      cursor = page.nextCursor;
    }
    log.info(`${seen.length} rows over all pages, ${new Set(seen).size} distinct: no duplicates (ivy moved above the cursor, so she is not on the later pages: correct, she moved)`);

    const around = (await api.get(`/games/${game}/boards/alltime/around/cy?n=2`)).body;
    log.info(`rank around cy (n=2): cy is #${around.rank}`);
    console.log(table(['rank', 'player', 'score', ''], around.entries.map((e: { rank: number; player: string; score: number; me: boolean }) => [e.rank, e.player, e.score, e.me ? '← me' : ''])));

    const stats = (await api.get(`/games/${game}/players/ada`)).body;
    const history = (await api.get(`/games/${game}/players/ada/history`)).body.history;
    log.info(`ada: best ${stats.best}, ${stats.games} games, ranks daily #${stats.ranks.daily.rank} weekly #${stats.ranks.weekly.rank} all-time #${stats.ranks.alltime.rank}; history ${history.map((h: { score: number; ranks: { alltime: number } }) => `${h.score} (#${h.ranks.alltime})`).join(', ')}`);
    const daily = keys.board(game, 'daily', stats.ranks.daily.period);
    log.info(`daily key ${daily} expires at ${new Date(await ctx.redis.pexpiretime(daily)).toISOString()} (kept 2 days: today, then as "yesterday")`);

    const denied = await api.post(`/games/${game}/boards/daily/reset`);
    const player = await api.post(`/games/${game}/boards/daily/reset`, undefined, { authorization: `Bearer ${await signToken(auth.jwtSecret, 'ada', 'player')}` });
    log.info(`reset without credentials: ${denied.status} ${denied.body.error.code}; with a player's JWT: ${player.status} ${player.body.error.code}`);
    const token = await signToken(auth.jwtSecret, 'ops', 'admin');
    const reset = (await api.post(`/games/${game}/boards/daily/reset`, undefined, { authorization: `Bearer ${token}` })).body;
    const archive = (await api.get(`/games/${game}/archives/${reset.id}`)).body;
    log.info(`admin reset of the daily board: archive #${reset.id} in Postgres holds ${reset.players} players (winner ${archive.standings[0].player} ${archive.standings[0].score}); the daily board now has ${(await api.get(`/games/${game}/boards/daily`)).body.entries.length} entries`);
    log.info(`the all-time SSE client got ${stream.events.filter((e) => e.event === 'top').length} "top" events in all (only changes that reached its top 3)`);
  } finally {
    stream.close();
    await server.close();
    await service.close();
    await removeGame(ctx, game);
  }
  log.info('done: demo keys and archives removed');
}
