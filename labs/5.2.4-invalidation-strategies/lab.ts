import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';

export default defineLab({
  id: '5.2.4',
  title: 'Cache invalidation strategies, side by side',
  summary: 'Ten ways to keep a product cache honest — TTL, delete, write-through, events, SWR, tags, versions, write-behind — on one script.',
  run: runDemo,
  bench: runBench,
});
