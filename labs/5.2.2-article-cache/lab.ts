import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo, serveArticles } from './demo';

export default defineLab({
  id: '5.2.2',
  title: 'Article content cache, read-through over Postgres',
  summary: 'Read-through caching of articles, lists and page components; precise invalidation; Redis outages degrade to Postgres.',
  services: ['redis', 'postgres'],
  run: runDemo,
  serve: serveArticles,
  bench: runBench,
});
