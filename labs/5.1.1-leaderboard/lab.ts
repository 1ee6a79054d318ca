import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';

export default defineLab({
  id: '5.1.1',
  title: 'Redis-powered leaderboard tracker',
  summary: 'Sorted sets: scores, ranks, pages, first-reached tie-breaks and live updates over pub/sub.',
  // The demo is Redis alone; only the bench compares with Postgres.
  services: { run: ['redis'], bench: ['redis', 'postgres'] },
  run: (ctx) => runDemo(ctx),
  bench: runBench,
});
