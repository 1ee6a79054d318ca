import { defineLab } from '../../harness/define-lab';
import { progressBar } from '../../harness/progress';
import { runInspector } from './src/cli';
import { runDemo } from './src/demo';
import { runBench } from './bench';

export default defineLab({
  id: '5.1.3',
  title: 'CLI tools to inspect a Redis instance',
  summary: 'keys / ttl / memory / exec / stats / export / import over SCAN and pipelines, never KEYS.',
  services: ['redis'],
  async run(ctx, argv) {
    if (!argv.length) return runDemo(ctx);
    // `ttl "x*" | head`: when the reader goes away (EPIPE), the live view stops instead of crashing.
    const reader = new AbortController();
    const onStdoutError = () => reader.abort();
    process.stdout.on('error', onStdoutError);
    try {
      await runInspector(argv, {
        defaultUrl: ctx.services.redis.url,
        write: (s) => void (reader.signal.aborted || process.stdout.write(s)),
        isTTY: process.stdout.isTTY,
        progress: progressBar,
        signal: reader.signal,
      });
    } finally {
      process.stdout.off('error', onStdoutError);
    }
  },
  bench: runBench,
});
