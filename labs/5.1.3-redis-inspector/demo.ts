// The narrated demo: a small keyspace of every type under the demo prefix, then each command on it;
// and `runCommand`, one inspector command (`npm run lab 5.1.3 -- keys "user:*"`) on the terminal.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { LabContext } from '../../harness/context';
import { deleteByPrefix } from '../../harness/context';
import { progressBar } from '../../harness/progress';
import { runInspector } from './src/cli';

/** Builds a keyspace of all five types, with and without TTL, under `base` (e.g. `wb:5.1.3:`). */
export async function seedDemo(ctx: LabContext, base: string): Promise<number> {
  const r = ctx.redis;
  // Commands sent together rather than one pipeline: on a Redis Cluster these keys live on different masters.
  await Promise.all([
    ...Array.from({ length: 5 }, (_, k) => r.hset(`${base}user:${k + 1}`, { name: `user ${k + 1}`, email: `u${k + 1}@example.com`, plan: (k + 1) % 2 ? 'free' : 'pro' })),
    ...Array.from({ length: 4 }, (_, k) => r.set(`${base}session:${k + 1}`, `token-${k + 1}`, 'PX', 5_000 * (k + 1))), // expire in 5…20 s
    r.set(`${base}config:theme`, 'dark'), // no TTL: a config value
    ...Array.from({ length: 3 }, (_, k) => r.set(`${base}cache:page:${k + 1}`, 'x'.repeat(2_000 * (k + 1)), 'EX', 60)),
    r.zadd(`${base}board:weekly`, 310, 'ada', 250, 'grace', 180, 'linus', 90, 'ken'),
    r.rpush(`${base}queue:emails`, 'welcome:1', 'welcome:2', 'reset:3'),
    r.sadd(`${base}tags:redis`, 'db', 'cache', 'queue').then(() => r.expire(`${base}tags:redis`, 120)),
  ]);
  return 5 + 4 + 1 + 3 + 3;
}

export async function runDemo(ctx: LabContext): Promise<void> {
  const base = `${ctx.prefix}5.1.3:`;
  const pattern = `${base}*`;
  const io = { defaultUrl: ctx.services.redis.url, write: (s: string) => process.stdout.write(s), progress: progressBar };
  const cmd = async (what: string, ...argv: string[]) => {
    ctx.log.info(`${what}\n$ npm run lab 5.1.3 -- ${argv.map((a) => (/[*\s]/.test(a) ? `"${a}"` : a)).join(' ')}`);
    await runInspector(argv, io);
  };
  await deleteByPrefix(ctx.redis, base);
  const n = await seedDemo(ctx, base);
  ctx.log.info(`seeded ${n} keys under ${base}: users (hash), sessions (string, 5-20 s TTL), a config value (no TTL), cached pages, a leaderboard (zset), a queue (list), tags (set)`);
  try {
    await cmd('keys: SCAN with MATCH, then TYPE / PTTL / MEMORY USAGE for each batch in one pipeline', 'keys', pattern);
    await cmd('ttl: what expires soonest, and what never will (--once: one frame; without it the view refreshes every second)', 'ttl', pattern, '--once');
    await cmd('memory: the biggest keys, bytes per prefix, and the instance settings that matter', 'memory', pattern, '--top', '5');
    await cmd('exec: a hash as a table', 'exec', 'HGETALL', `${base}user:1`);
    await cmd('exec: a sorted set WITHSCORES as a ranked table', 'exec', 'ZREVRANGE', `${base}board:weekly`, '0', '-1', 'WITHSCORES');
    await cmd('exec: a list as a numbered list', 'exec', 'LRANGE', `${base}queue:emails`, '0', '-1');
    await cmd('exec: a missing key is (nil)', 'exec', 'GET', `${base}nope`);
    try {
      await cmd('exec: a dangerous command is refused without --force', 'exec', 'FLUSHDB');
    } catch (err) {
      ctx.log.info(`→ ${(err as Error).message}`);
    }
    await cmd('stats: two INFO samples one second apart: ops/s from the counters\' delta and from INFO', 'stats', '--once');
    const dir = mkdtempSync(path.join(tmpdir(), 'redis-inspector-'));
    const file = path.join(dir, 'export.jsonl');
    try {
      await cmd('export: every key and its TTL to JSON lines (base64 values, portable across versions)', 'export', pattern, '--out', file);
      const removed = await deleteByPrefix(ctx.redis, base);
      ctx.log.info(`deleted the ${removed} demo keys`);
      await cmd('import: back from the file, TTLs included', 'import', file);
      await cmd('the same keyspace again', 'keys', pattern, '--limit', '5');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    ctx.log.info('try it on any Redis: npm run lab 5.1.3 -- keys "*" --url redis://:password@host:6379 (rediss:// for TLS)');
  } finally {
    await deleteByPrefix(ctx.redis, base);
  }
}

/** One inspector command on the terminal. */
export async function runCommand(ctx: LabContext, argv: string[]): Promise<void> {
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
}
