import { defineLab } from '../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveCapstone } from './serve';

export default defineLab({
  id: 'capstone',
  title: 'Capstone: book review API',
  summary: 'Books and reviews in Postgres behind a read-through cache with one policy table, exact invalidation, leaderboards, sessions, rate limits, a metadata breaker and Redis-outage fallbacks.',
  services: ['redis', 'postgres'],
  run: runDemo,
  serve: serveCapstone,
  bench: runBench,
});
