import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveWeather } from './serve';

export default defineLab({
  id: '5.2.1',
  title: 'LRU + Redis memoization decorator',
  summary: 'memoize() and @Memoize over a slow weather API: a hand-written LRU (L1), Redis (L2), stable keys, single-flight.',
  usage: {
    flags: {
      latency: { value: 'MS', about: 'how slow the weather API answers (default 200)' },
      'failure-rate': { value: '0-1', about: 'share of weather calls that fail (default 0)' },
    },
    serveAbout: 'the slow weather API on its own',
    serve: {
      latency: { value: 'MS', about: 'how slow it answers (default 200)' },
      'failure-rate': { value: '0-1', about: 'share of calls that fail (default 0)' },
    },
  },
  services: ['redis'],
  run: runDemo,
  serve: serveWeather,
  bench: runBench,
});
