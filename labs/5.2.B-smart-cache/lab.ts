import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveService } from './serve';

export default defineLab({
  id: '5.2.B',
  title: 'Smart Cache API: a multi-tier caching framework and its service',
  summary: 'L1 memory + L2 Redis with cross-process stampede locks, grace/SWR, tags, a pub/sub invalidation bus, a breaker — and a product API using it.',
  run: runDemo,
  serve: serveService,
  bench: runBench,
  // The bench alternates its contenders over rounds itself and reports every round.
  benchRounds: 1,
});
