import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { demo } from './demo';

export default defineLab({
  id: '5.2.3',
  title: 'Comment cache: write-through, dynamic TTL, stampede protection',
  summary: 'Comments per post cached as Redis lists: write-through, activity-driven TTL, a Redis lock + single-flight + XFetch against stampedes, pipelined bulk import.',
  run: demo,
  bench: runBench,
});
