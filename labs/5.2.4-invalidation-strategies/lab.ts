import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';

export default defineLab({
  id: '5.2.4',
  title: 'Cache invalidation strategies, side by side',
  summary: 'Ten ways to keep a product cache honest — TTL, delete, write-through, events, SWR, tags, versions, write-behind — on one script.',
  usage: {
    flags: {
      only: { value: 'a,b', about: 'only these strategies (e.g. ttl,event)' },
      tick: { value: 'MS', about: 'the scenario clock tick, 10-500 (default 50)' },
    },
    bench: {
      only: { value: 'a,b', about: 'only these strategies (--only=a,b)' },
      'db-delay': { value: 'MS', about: 'ms added each way between the app and Postgres, 0-50 (--db-delay=N, default 1)' },
    },
  },
  run: runDemo,
  bench: runBench,
});
