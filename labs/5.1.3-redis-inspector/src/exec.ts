// `exec <command ...>`: run one command and show its reply by shape, like redis-cli but with tables
// for field/value and member/score replies. Only read-only commands run without --force (exercise 5).
// On a Redis Cluster a command with a key goes to the master of its slot (the client routes it); a
// command without a key (INFO, DBSIZE, CONFIG GET…) is about one server, so it runs on every master
// and the reply is shown per master.
import { Cluster } from 'ioredis';
import type { RedisClient } from '../../../shared/redis-client';
import { ValidationError } from '../../../shared/errors';
import { describeCommand, type CommandDoc } from './command-info';
import { nodeName } from './nodes';
import { dangerReason } from './danger';
import { colors, table, type FormatOptions } from './format';

export type Reply = null | number | string | Buffer | Reply[];

export type ReplyView =
  | { kind: 'nil' }
  | { kind: 'integer'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'empty' }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'list'; items: ReplyView[] }
  | { kind: 'nodes'; items: Array<{ node: string; view: ReplyView }> };

export interface ExecResult {
  args: string[];
  /** The reply; on a cluster, a keyless command's replies by master (`host:port`). */
  reply: Reply | Record<string, Reply>;
  view: ReplyView;
}

export class RefusedError extends ValidationError {}

/**
 * Commands that change what the connection speaks (a RESP3 reply, a stream of pushes) or end it: exec
 * sends one request and reads one reply, so it cannot show them even with --force.
 */
const NOT_ONE_REPLY = new Set(['hello', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'monitor', 'reset', 'quit', 'sync', 'psync', 'replconf']);

/** Refuses what only --force may run (the message says why and how to force); returns what the server says of the command. */
export async function guard(redis: RedisClient, args: string[], force = false): Promise<CommandDoc | undefined> {
  if (!args.length || !args[0]) throw new ValidationError('exec needs a command, e.g. exec HGETALL user:1');
  const name = args[0].toLowerCase();
  if (NOT_ONE_REPLY.has(name)) throw new ValidationError(`exec runs one command and prints its one reply; ${name.toUpperCase()} changes the connection itself (use redis-cli for it)`);
  const doc = await describeCommand(redis, args);
  if (force) return doc;
  const reason = dangerReason(args, doc);
  if (reason) throw new RefusedError(`refused: ${reason}; only read-only commands run without --force`);
  return doc;
}

export async function runExec(redis: RedisClient, args: string[], opts: { force?: boolean } = {}): Promise<ExecResult> {
  const doc = await guard(redis, args, opts.force);
  const [name, ...rest] = args as [string, ...string[]];
  if (redis instanceof Cluster && doc?.firstKey === 0) {
    const masters = redis.nodes('master');
    const replies = (await Promise.all(masters.map((m) => m.call(name, ...rest)))) as Reply[];
    return {
      args,
      reply: Object.fromEntries(masters.map((m, i) => [nodeName(m), replies[i]!])),
      view: { kind: 'nodes', items: masters.map((m, i) => ({ node: nodeName(m), view: viewOf(args, replies[i]!) })) },
    };
  }
  // A keyed command typed without its key cannot be routed: one master answers with Redis's own arity error.
  const target = redis instanceof Cluster && doc?.firstKey !== undefined && rest.length < doc.firstKey ? redis.nodes('master')[0]! : redis;
  const reply = (await target.call(name, ...rest)) as Reply;
  return { args, reply, view: viewOf(args, reply) };
}

/** Commands whose flat reply is field, value, field, value… */
const PAIRS = new Set(['HGETALL', 'CONFIG GET']);
/** Commands that return member, score, member, score… (always, or with WITHSCORES). */
const ALWAYS_SCORES = new Set(['ZPOPMIN', 'ZPOPMAX']);
const MAYBE_SCORES = /^(ZRANGE|ZREVRANGE|ZRANGEBYSCORE|ZREVRANGEBYSCORE|ZRANDMEMBER|ZUNION|ZINTER|ZDIFF)$/;

export function viewOf(args: string[], reply: Reply): ReplyView {
  const name = (args[0] ?? '').toUpperCase();
  const full = `${name} ${(args[1] ?? '').toUpperCase()}`;
  const withScores = ALWAYS_SCORES.has(name) || (MAYBE_SCORES.test(name) && args.some((a) => a.toUpperCase() === 'WITHSCORES'));
  const withValues = name === 'HRANDFIELD' && args.some((a) => a.toUpperCase() === 'WITHVALUES');
  if (Array.isArray(reply) && reply.length && reply.length % 2 === 0 && reply.every((r) => !Array.isArray(r))) {
    const pairs = chunkPairs(reply.map(text));
    if (withScores) return { kind: 'table', head: ['#', 'member', 'score'], rows: pairs.map(([m, s], i) => [String(i + 1), m, s]) };
    if (PAIRS.has(name) || PAIRS.has(full) || withValues) return { kind: 'table', head: ['field', 'value'], rows: pairs };
  }
  return plainView(reply);
}

function plainView(reply: Reply): ReplyView {
  if (reply === null || reply === undefined) return { kind: 'nil' };
  if (typeof reply === 'number') return { kind: 'integer', value: reply };
  if (Array.isArray(reply)) return reply.length ? { kind: 'list', items: reply.map(plainView) } : { kind: 'empty' };
  return { kind: 'string', value: text(reply) };
}

const text = (r: Reply): string => (Buffer.isBuffer(r) ? r.toString('utf8') : String(r));

function chunkPairs(flat: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

export function formatReply(view: ReplyView, opts: FormatOptions = {}, indent = ''): string {
  const c = colors(opts);
  switch (view.kind) {
    case 'nil':
      return c.dim('(nil)');
    case 'integer':
      return `(integer) ${view.value}`;
    case 'string':
      return JSON.stringify(view.value);
    case 'empty':
      return c.dim('(empty array)');
    case 'table': {
      const t = table(view.head, opts);
      for (const row of view.rows) t.push(row);
      return t.toString();
    }
    case 'nodes':
      return view.items.map((i) => `${c.bold(`${i.node}:`)}\n${formatReply(i.view, opts)}`).join('\n');
    case 'list': {
      const width = String(view.items.length).length;
      return view.items
        .map((item, i) => {
          const label = `${String(i + 1).padStart(width)}) `;
          const inner = formatReply(item, opts, indent + ' '.repeat(label.length));
          return `${i === 0 ? '' : indent}${label}${inner}`;
        })
        .join('\n');
    }
  }
}
