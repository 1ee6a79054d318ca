// Exercise 5: an inspection tool runs what only reads; everything else needs --force. An allow-list,
// not a list of known dangers: a deny list misses what it does not name (CLIENT PAUSE, ACL SETUSER,
// SAVE, CONFIG RESETSTAT…) and what a script builds at run time (`redis.call(ARGV[1])`).
import type { CommandDoc } from './command-info';

/** Commands that change nothing but lack the `readonly` flag (it marks commands that read keys). */
export const INSPECTION = new Set([
  'info', 'ping', 'echo', 'time', 'role', 'lastsave', 'lolwut',
  'config|get', 'client|list', 'client|info', 'client|getname', 'client|id',
  'slowlog|get', 'slowlog|len', 'latency|latest', 'latency|history', 'latency|doctor',
  'memory|stats', 'memory|doctor', 'memory|malloc-stats', 'module|list', 'acl|whoami', 'acl|cat',
  'pubsub|channels', 'pubsub|numsub', 'pubsub|numpat', 'pubsub|shardchannels', 'pubsub|shardnumsub',
  'command', 'command|count', 'command|info', 'command|docs', 'command|list', 'command|getkeys', 'command|getkeysandflags',
]);

/** Scripts and functions: what they do is decided when they run, so the text cannot tell. */
const CODE = new Set(['eval', 'eval_ro', 'evalsha', 'evalsha_ro', 'fcall', 'fcall_ro', 'function', 'script']);

/**
 * Why a command needs --force, or undefined when it only reads. `args` is the command as typed;
 * `doc` is what the server says about it (COMMAND INFO), undefined when the server does not know it.
 */
export function dangerReason(args: string[], doc: CommandDoc | undefined): string | undefined {
  const typed = (args[0] ?? '').toUpperCase();
  const name = typed.toLowerCase();
  if (CODE.has(name)) return `${typed} runs server-side code, and what it does is decided when it runs`;
  if (name === 'keys') return 'KEYS walks the whole keyspace in one call and blocks every other client meanwhile (use the keys command: SCAN)';
  if (!doc) return `${typed} is not a command this server knows`;
  if (doc.flags.includes('readonly') || INSPECTION.has(doc.name)) return undefined;
  const what = doc.flags.includes('write') ? 'writes data' : doc.flags.includes('admin') ? 'is an admin command' : 'is not read-only';
  return `${doc.name.replace('|', ' ').toUpperCase()} ${what} (COMMAND INFO flags: ${doc.flags.join(' ') || 'none'})`;
}
