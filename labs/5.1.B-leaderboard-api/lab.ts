import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveLeaderboard } from './serve';

export default defineLab({
  id: '5.1.B',
  title: 'Leaderboard API',
  summary: 'Daily/weekly/all-time boards updated by one Lua script, stable cursors, rank-around-me, admin reset with a Postgres archive, SSE over pub/sub.',
  usage: { demo: 'the API on an ephemeral port, driven over HTTP like any client would' },
  run: (ctx) => runDemo(ctx),
  serve: serveLeaderboard,
  bench: runBench,
});
