import { defineLab } from '../../harness/define-lab';
import { runBench } from './bench';
import { runCommand, runDemo } from './demo';

const own = (about: string, args?: string) => ({ about, args, ownParser: true });

export default defineLab({
  id: '5.1.3',
  title: 'CLI tools to inspect a Redis instance',
  summary: 'keys / ttl / memory / exec / stats / export / import over SCAN and pipelines, never KEYS.',
  services: ['redis'],
  usage: {
    demo: 'a small keyspace of every type, each command on it',
    flags: {
      url: { value: 'URL', about: 'redis://[user:password@]host:port[/db], rediss://, or redis-cluster://host:port,… (default: the workbook Redis)' },
      'tls-ca': { value: 'FILE', about: 'rediss://: trust this CA certificate (PEM)' },
      insecure: { about: 'rediss:// without certificate checks (self-signed test servers)' },
      timeout: { value: 'MS', about: 'the longest wait for any reply (default 5000)' },
    },
    commands: {
      keys: own('type, TTL, memory per key; totals per prefix (SCAN)', '<pattern>'),
      ttl: own('live: keys about to expire, keys without TTL', '<pattern>'),
      memory: own('the biggest keys, bytes per prefix, INFO memory, warnings', '[pattern]'),
      exec: own('one command, its reply formatted; only read-only commands without --force', '<command...>'),
      stats: own('live: clients, ops/s, hit ratio, keyspace, evictions'),
      export: own('the matching keys with their TTLs to a JSON-lines file', '<pattern> --out FILE'),
      import: own('load a file written by export', '<file>'),
    },
    bench: { keys: { value: 'N', about: 'keys to load (default 1,000,000; at least 10,000)' } },
  },
  run: (ctx, argv) => (argv.length ? runCommand(ctx, argv) : runDemo(ctx)),
  bench: runBench,
});
