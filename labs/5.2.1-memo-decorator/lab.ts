import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveWeather } from './serve';

export default defineLab({
  id: '5.2.1',
  title: 'LRU + Redis memoization decorator',
  summary: 'memoize() and @Memoize over a slow weather API: a hand-written LRU (L1), Redis (L2), stable keys, single-flight.',
  services: ['redis'],
  run: runDemo,
  serve: serveWeather,
  bench: runBench,
});
