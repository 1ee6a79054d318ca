// `exec <command ...>`: run one command and show its reply by shape, like redis-cli but with tables
// for field/value and member/score replies. Only read-only commands run without --force (exercise 5).
import type { Redis } from 'ioredis';
import { ValidationError } from '../../../shared/errors';
import { describeCommand } from './command-info';
import { dangerReason } from './danger';
import { colors, table, type FormatOptions } from './format';

export type Reply = null | number | string | Buffer | Reply[];

export type ReplyView =
  | { kind: 'nil' }
  | { kind: 'integer'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'empty' }
  | { kind: 'table'; head: string[]; rows: string[][] }
  | { kind: 'list'; items: ReplyView[] };

export interface ExecResult {
  args: string[];
  reply: Reply;
  view: ReplyView;
}

export class RefusedError extends ValidationError {}

/**
 * Commands that change what the connection speaks (a RESP3 reply, a stream of pushes) or end it: exec
 * sends one request and reads one reply, so it cannot show them even with --force.
 */
const NOT_ONE_REPLY = new Set(['hello', 'subscribe', 'psubscribe', 'ssubscribe', 'unsubscribe', 'punsubscribe', 'sunsubscribe', 'monitor', 'reset', 'quit', 'sync', 'psync', 'replconf']);

/** Refuses what only --force may run (the message says why and how to force). */
export async function guard(redis: Redis, args: string[], force = false): Promise<void> {
  if (!args.length || !args[0]) throw new ValidationError('exec needs a command, e.g. exec HGETALL user:1');
  const name = args[0].toLowerCase();
  if (NOT_ONE_REPLY.has(name)) throw new ValidationError(`exec runs one command and prints its one reply; ${name.toUpperCase()} changes the connection itself (use redis-cli for it)`);
  if (force) return;
  const reason = dangerReason(args, await describeCommand(redis, args));
  if (reason) throw new RefusedError(`refused: ${reason}; only read-only commands run without --force`);
}

export async function runExec(redis: Redis, args: string[], opts: { force?: boolean } = {}): Promise<ExecResult> {
  await guard(redis, args, opts.force);
  const [name, ...rest] = args as [string, ...string[]];
  const reply = (await redis.call(name, ...rest)) as Reply;
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
