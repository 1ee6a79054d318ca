import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runDemo } from './demo';
import { serveArticles } from './serve';

export default defineLab({
  id: '5.2.2',
  title: 'Article content cache, read-through over Postgres',
  summary: 'Read-through caching of articles, lists and page components; precise invalidation; Redis outages degrade to Postgres.',
  usage: {
    commands: {
      seed: {
        about: 'seed the articles into Postgres',
        flags: { count: { value: 'N', about: 'articles (default 500,000)' }, force: { about: 'seed again even when seeded' } },
      },
    },
    serve: { l1: { about: 'add the in-process L1 cache in front of Redis' } },
    bench: { count: { value: 'N', about: 'articles to seed (default 500,000; --quick 20,000)' } },
  },
  services: ['redis', 'postgres'],
  run: runDemo,
  serve: serveArticles,
  bench: runBench,
});
