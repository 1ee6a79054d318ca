// The command line: parse argv (commander), open one strict connection, call a command function
// that returns data, print it (a table, or JSON with --json). Errors leave as one line.
import { setTimeout as sleep } from 'node:timers/promises';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import type { RedisClient } from '../../../shared/redis-client';
import { UsageError } from '../../../harness/usage-error';
import { COMMAND_TIMEOUT_MS, openRedis, toCliError } from './connect';
import { formatReply, runExec } from './exec';
import { formatKeysReport, keysReport } from './keys';
import { formatMemoryReport, memoryReport } from './memory';
import { formatStats, sampleStats, statsFrame, type StatsSample } from './stats';
import { exportToFile, importFromFile } from './transfer';
import { formatTtlView, ttlView } from './ttl';
import { formatBytes, formatCount, type FormatOptions } from './format';

export interface Progress {
  update(value: number): void;
  stop(): void;
}

export interface CliIO {
  /** The Redis used when --url is not given. */
  defaultUrl: string;
  write(text: string): void;
  /** Colours in tables (default: picocolors' detection). */
  color?: boolean;
  /** A terminal: live views redraw the screen instead of appending frames. */
  isTTY?: boolean;
  /** A progress bar factory for long walks (the lab passes the harness's cli-progress bar). */
  progress?(label: string, total: number): Progress;
  /** Stops live views (Ctrl-C in a terminal ends the process anyway). */
  signal?: AbortSignal;
}

/** Walks above this many keys (DBSIZE) get a progress bar. */
const PROGRESS_ABOVE = 10_000;

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`--${name} must be a positive whole number`);
  return n;
};
const seconds = (v: string) => {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('must be a positive number of seconds');
  return n;
};

export async function runInspector(argv: string[], io: CliIO): Promise<void> {
  const fmt = { color: io.color };
  const print = (text: string) => io.write(`${text}\n`);
  /** What commander would print on a mistake: its message, then the command's help. */
  let usageText = '';
  const program = new Command('npm run lab 5.1.3 --')
    .description('inspect a Redis instance: keys, ttl, memory, exec, stats, export, import')
    .option('--url <url>', 'redis://[user:password@]host:port[/db], rediss:// for TLS, or redis-cluster://host:port,host:port for a Redis Cluster (default: the workbook Redis)')
    .option('--tls-ca <file>', 'rediss://: trust this CA certificate (PEM)')
    .option('--insecure', 'rediss:// without certificate checks (self-signed test servers)')
    .option('--timeout <ms>', 'the longest wait for any reply: a frozen server or a blocking command (BLPOP k 0) ends there', int('timeout'), COMMAND_TIMEOUT_MS)
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.write(s), writeErr: (s) => void (usageText += s) });

  /** Opens the connection for one command and turns whatever fails into a one-line error. */
  const withRedis = async (fn: (redis: RedisClient) => Promise<void>) => {
    const { url, insecure, tlsCa, timeout } = program.opts<{ url?: string; insecure?: boolean; tlsCa?: string; timeout: number }>();
    const target = url ?? io.defaultUrl;
    const redis = await openRedis(target, { insecure, caFile: tlsCa, commandTimeoutMs: timeout });
    try {
      await fn(redis);
    } catch (err) {
      throw toCliError(err, target, timeout);
    } finally {
      redis.disconnect();
    }
  };

  /** Runs a key walk (with a progress bar when the database is big enough to wait for) and prints it. */
  const walk = async <T>(label: string, run: (onProgress: (visited: number, total: number) => void) => Promise<T>, format: (r: T, o: FormatOptions) => string, json?: boolean) => {
    let bar: Progress | undefined;
    const onProgress = (visited: number, total: number) => {
      if (!io.progress || total < PROGRESS_ABOVE) return;
      bar ??= io.progress(label, total);
      bar.update(visited);
    };
    const report = await run(onProgress).finally(() => bar?.stop());
    print(json ? JSON.stringify(report, null, 2) : format(report, fmt));
  };

  /** Redraws a frame every interval until `frames` are shown or the signal aborts. */
  const live = async (frames: number, intervalMs: number, render: (i: number) => Promise<string>) => {
    for (let i = 0; i < frames && !io.signal?.aborted; i++) {
      const text = await render(i);
      io.write(io.isTTY ? `\x1b[2J\x1b[H${text}\n${'(Ctrl-C to stop)'}\n` : `${text}\n`);
      if (i + 1 < frames) await sleep(intervalMs, undefined, { signal: io.signal }).catch(() => {});
    }
  };

  program
    .command('keys')
    .description('SCAN the keys matching a pattern: type, TTL, memory, and totals per prefix')
    .argument('<pattern>', 'a SCAN MATCH pattern, e.g. "user:*" (quote it)')
    .option('--limit <n>', 'keys to list one by one', int('limit'), 50)
    .option('--depth <n>', 'group by the first N segments (default: all but the last, ids as *)', int('depth'))
    .option('--count <n>', 'SCAN COUNT hint', int('count'), 1000)
    .option('--samples <n>', 'MEMORY USAGE SAMPLES (default Redis: 5)', int('samples'))
    .option('--json', 'print JSON')
    .action((pattern: string, o: { limit: number; depth?: number; count: number; samples?: number; json?: boolean }) =>
      withRedis((redis) => walk('scanning', (onProgress) => keysReport(redis, pattern, { ...o, onProgress }), formatKeysReport, o.json)),
    );

  program
    .command('ttl')
    .description('live view of the keys about to expire, and of the keys without TTL')
    .argument('<pattern>', 'a SCAN MATCH pattern')
    .option('--once', 'one frame, then exit (for scripts and tests)')
    .option('--within <seconds>', 'only keys expiring within this many seconds', seconds)
    .option('--limit <n>', 'rows per list', int('limit'), 20)
    .option('--interval <ms>', 'refresh period', int('interval'), 1000)
    .option('--frames <n>', 'stop after N frames (default: until Ctrl-C)', int('frames'))
    .option('--json', 'print JSON (implies --once)')
    .action((pattern: string, o: { once?: boolean; within?: number; limit: number; interval: number; frames?: number; json?: boolean }) =>
      withRedis(async (redis) => {
        const view = () => ttlView(redis, pattern, { limit: o.limit, withinMs: o.within === undefined ? undefined : o.within * 1000 });
        if (o.json) return print(JSON.stringify(await view(), null, 2));
        await live(o.once ? 1 : (o.frames ?? Infinity), o.interval, async () => formatTtlView(await view(), fmt));
      }),
    );

  program
    .command('memory')
    .description('the biggest keys, bytes per prefix, INFO memory and warnings')
    .argument('[pattern]', 'limit the key walk to a pattern', '*')
    .option('--top <n>', 'how many of the biggest keys', int('top'), 10)
    .option('--depth <n>', 'group by the first N segments', int('depth'))
    .option('--samples <n>', 'MEMORY USAGE SAMPLES', int('samples'))
    .option('--json', 'print JSON')
    .action((pattern: string, o: { top: number; depth?: number; samples?: number; json?: boolean }) =>
      withRedis((redis) => walk('sizing keys', (onProgress) => memoryReport(redis, pattern, { ...o, onProgress }), formatMemoryReport, o.json)),
    );

  program
    .command('exec')
    .description('run one command and format its reply (only read-only commands without --force)')
    .argument('<command...>', 'e.g. HGETALL user:1, or ZRANGE board 0 9 WITHSCORES')
    .option('--force', 'run a command that is not read-only (COMMAND INFO), a script or function, or KEYS')
    .option('--json', 'print the raw reply as JSON')
    .allowUnknownOption() // `LRANGE l 0 -1`: -1 is an argument, not an option
    .action((args: string[], o: { force?: boolean; json?: boolean }) =>
      withRedis(async (redis) => {
        const result = await runExec(redis, args, { force: o.force });
        print(o.json ? JSON.stringify(result.reply) : formatReply(result.view, fmt));
      }),
    );

  program
    .command('stats')
    .description('clients, ops/s, hit ratio, keyspace, evictions, refreshed live')
    .option('--once', 'one frame (two samples --interval apart), then exit')
    .option('--json', 'print JSON')
    .option('--interval <ms>', 'time between samples', int('interval'), 1000)
    .option('--frames <n>', 'stop after N frames (default: until Ctrl-C)', int('frames'))
    .action((o: { once?: boolean; json?: boolean; interval: number; frames?: number }) =>
      withRedis(async (redis) => {
        let prev: StatsSample = await sampleStats(redis);
        await live(o.once ? 1 : (o.frames ?? Infinity), 0, async () => {
          await sleep(o.interval, undefined, { signal: io.signal }).catch(() => {});
          const cur = await sampleStats(redis);
          const frame = statsFrame(prev, cur);
          prev = cur;
          return o.json ? JSON.stringify(frame, null, 2) : formatStats(frame, fmt);
        });
      }),
    );

  program
    .command('export')
    .description('write the keys matching a pattern, with their TTLs, to a JSON-lines file')
    .argument('<pattern>', 'a SCAN MATCH pattern')
    .requiredOption('--out <file>', 'the file to write')
    .option('--format <format>', 'json (portable, per type) or dump (DUMP payloads: exact, same-or-newer Redis)', 'json')
    .action((pattern: string, o: { out: string; format: 'json' | 'dump' }) =>
      withRedis(async (redis) => {
        const r = await exportToFile(redis, pattern, o.out, { format: o.format });
        print(`exported ${formatCount(r.keys)} keys to ${r.file} (${formatBytes(r.bytes)}, ${r.format})`);
      }),
    );

  program
    .command('import')
    .description('load a file written by export; TTLs restored')
    .argument('<file>', 'a file written by export')
    .option('--replace', 'overwrite keys that already exist (default: skip them)')
    .action((file: string, o: { replace?: boolean }) =>
      withRedis(async (redis) => {
        const r = await importFromFile(redis, file, { replace: o.replace });
        print(`imported ${formatCount(r.written)} keys from ${r.file}${r.skipped ? `, skipped ${formatCount(r.skipped)} that already exist (--replace to overwrite)` : ''}`);
      }),
    );

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return;
      throw new UsageError((usageText || err.message).replace(/^error: /, '').trimEnd());
    }
    throw err;
  }
}
