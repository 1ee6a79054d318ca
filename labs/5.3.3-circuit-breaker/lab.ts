import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo, serve } from './demo';

export default defineLab({
  id: '5.3.3',
  title: 'Circuit breaker shared through Redis',
  summary: 'One breaker state for every process: a Lua rolling window, N half-open probes, pub/sub sync, admin controls, and local fallback while Redis is down.',
  services: ['redis'],
  run: runDemo,
  serve,
  bench: runBench,
});
