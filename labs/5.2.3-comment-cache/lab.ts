import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { demo } from './demo';

export default defineLab({
  id: '5.2.3',
  title: 'Comment cache: write-through, dynamic TTL, stampede protection',
  summary: 'Comments per post cached as Redis lists: write-through, activity-driven TTL, a Redis lock + single-flight + XFetch against stampedes, pipelined bulk import.',
  usage: { flags: { 'load-delay': { value: 'MS', about: 'how slow a Postgres load is made, to show a stampede (default 150)' } } },
  run: demo,
  bench: runBench,
});
