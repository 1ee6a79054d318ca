import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { ValidationError } from '../../../shared/errors';
import { describeCommand } from '../src/command-info';
import { dangerReason } from '../src/danger';
import { formatReply, RefusedError, runExec, viewOf, type Reply } from '../src/exec';
import { runInspector } from '../src/cli';
import { mastersOf, nodeName } from '../src/nodes';

let ctx: LabContext;
let base: string;
beforeAll(async () => {
  ctx = await createTestContext('5.1.3', { services: ['redis'] });
  base = `${ctx.prefix}exec:`;
  await ctx.redis.hset(`${base}user:1`, { name: 'Ada', plan: 'pro' });
  await ctx.redis.zadd(`${base}board`, 10, 'ada', 30, 'grace', 20, 'linus');
  await ctx.redis.rpush(`${base}list`, 'a', 'b', 'c');
});
afterAll(() => ctx.dispose());

const plain = { color: false };
/** A reply straight from Redis, formatted (no guard involved). */
async function show(...args: string[]): Promise<string> {
  const reply = (await ctx.redis.call(args[0]!, ...args.slice(1))) as Reply;
  return formatReply(viewOf(args, reply), plain);
}

describe('exec: replies formatted by type', () => {
  it('a hash is a field/value table', async () => {
    const text = await show('HGETALL', `${base}user:1`);
    expect(text).toMatch(/field\s+│ value/);
    expect(text).toMatch(/name\s+│ Ada/);
    expect(text).toMatch(/plan\s+│ pro/);
  });

  it('a sorted set WITHSCORES is a ranked member/score table; without it, a numbered list', async () => {
    const reply = (await ctx.redis.call('ZREVRANGE', `${base}board`, '0', '-1', 'WITHSCORES')) as Reply;
    expect(viewOf(['zrevrange', 'k', '0', '-1', 'withscores'], reply)).toEqual({
      kind: 'table',
      head: ['#', 'member', 'score'],
      rows: [
        ['1', 'grace', '30'],
        ['2', 'linus', '20'],
        ['3', 'ada', '10'],
      ],
    });
    expect(await show('ZRANGE', `${base}board`, '0', '-1')).toBe('1) "ada"\n2) "linus"\n3) "grace"');
  });

  it('nil, integers, strings, empty arrays and nested arrays', async () => {
    expect(await show('GET', `${base}missing`)).toBe('(nil)');
    expect(await show('LLEN', `${base}list`)).toBe('(integer) 3');
    expect(await show('HGET', `${base}user:1`, 'name')).toBe('"Ada"');
    expect(await show('LRANGE', `${base}missing`, '0', '-1')).toBe('(empty array)');
    expect(formatReply(viewOf(['X'], [['a', 1], null]), plain)).toBe('1) 1) "a"\n   2) (integer) 1\n2) (nil)');
    const many = formatReply(viewOf(['X'], Array.from({ length: 10 }, (_, i) => String(i))), plain);
    expect(many.split('\n')[0]).toBe(' 1) "0"');
    expect(many.split('\n')[9]).toBe('10) "9"');
  });
});

/** The guard's verdict, with the flags the shared server gives for the command. */
const verdict = async (args: string[]) => dangerReason(args, await describeCommand(ctx.redis, args));

describe('exec on a Redis Cluster', () => {
  it('a command with a key goes to its master; a command without one runs on every master, shown per master', async () => {
    const keyed = await runExec(ctx.redis, ['HGET', `${base}user:1`, 'name']);
    expect(keyed.reply).toBe('Ada');
    const r = await runExec(ctx.redis, ['DBSIZE']);
    if (ctx.redis instanceof Cluster) {
      const masters = mastersOf(ctx.redis).map(nodeName).sort();
      expect(Object.keys(r.reply as Record<string, Reply>).sort()).toEqual(masters);
      expect(r.view.kind).toBe('nodes');
      // the three keys this file wrote are somewhere among the masters
      expect(Object.values(r.reply as Record<string, number>).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
      expect(formatReply(r.view, plain)).toMatch(new RegExp(`^${masters.map((m) => m.replace(/\./g, '\\.')).join('|')}`));
    } else {
      expect(r.reply).toBeGreaterThanOrEqual(3);
      expect(r.view.kind).toBe('integer');
    }
  });
});

describe('exercise 5: refuse dangerous commands without --force', () => {
  let priv: ManagedRedis;
  beforeAll(async () => {
    priv = await startRedisServer();
  });
  afterAll(() => priv.dispose());

  it('names the danger of each dangerous command', async () => {
    for (const args of [['FLUSHALL'], ['flushdb', 'ASYNC'], ['SHUTDOWN'], ['CONFIG', 'SET', 'maxmemory', '1'], ['config', 'set', 'x', 'y'], ['DEBUG', 'SLEEP', '1'], ['KEYS', '*'], ['EVAL', "return redis.call('FLUSHALL')", '0'], ['eval', 'return redis.call("keys", "*")', '0'], ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'], ['FCALL', 'f', '0']]) {
      expect(await verdict(args), args.join(' ')).toMatch(/\w{6,}/);
    }
  });

  it('an allow-list: what is not read-only needs --force, even commands nobody listed', async () => {
    const bypasses = [
      ['EVAL', 'return redis.call(ARGV[1])', '0', 'flushall'],
      ['EVAL', "return redis.call('flush' .. 'all')", '0'],
      ['EVAL_RO', "return redis.call('GET', KEYS[1])", '1', 'k'],
      ['CLIENT', 'PAUSE', '100000', 'ALL'],
      ['ACL', 'SETUSER', 'eve', 'on', '>pw', '~*', '+@all'],
      ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function('f', function() return 1 end)"],
      ['SAVE'],
      ['CONFIG', 'RESETSTAT'],
      ['SET', 'k', 'v'],
      ['NOSUCHCOMMAND'],
      ['CONFIG', 'NOSUCHSUB'],
    ];
    for (const args of bypasses) expect(await verdict(args), args.join(' ')).toMatch(/\w{6,}/);
  });

  it('lets everyday commands through', async () => {
    for (const args of [['GET', 'k'], ['CONFIG', 'GET', 'maxmemory'], ['SCAN', '0'], ['HGETALL', 'h'], ['INFO'], ['MEMORY', 'USAGE', 'k'], ['TTL', 'k'], ['ZRANGE', 'z', '0', '-1'], ['XRANGE', 's', '-', '+'], ['OBJECT', 'ENCODING', 'k'], ['CLIENT', 'LIST'], ['SLOWLOG', 'GET']]) {
      expect(await verdict(args), args.join(' ')).toBeUndefined();
    }
  });

  it('runExec refuses them on the shared server, and runs nothing', async () => {
    for (const args of [['FLUSHDB'], ['FLUSHALL'], ['CONFIG', 'SET', 'maxmemory', '1'], ['KEYS', '*'], ['SHUTDOWN'], ['DEBUG', 'SLEEP', '0']]) {
      await expect(runExec(ctx.redis, args), args.join(' ')).rejects.toBeInstanceOf(RefusedError);
    }
    await expect(runExec(ctx.redis, ['flushdb'])).rejects.toThrow(/FLUSHDB writes data.*--force/);
    expect(await ctx.redis.hget(`${base}user:1`, 'name')).toBe('Ada');
  });

  it('the exec command refuses with one line, and runs safe commands', async () => {
    let out = '';
    const io = { defaultUrl: ctx.services.redis.url, write: (s: string) => (out += s), color: false };
    await expect(runInspector(['exec', 'FLUSHALL'], io)).rejects.toThrow(/^refused: FLUSHALL writes data \(COMMAND INFO flags: [a-z_ ]+\); only read-only commands run without --force$/);
    await runInspector(['exec', 'LRANGE', `${base}list`, '0', '-1'], io); // -1 is an argument, not an option
    expect(out).toBe('1) "a"\n2) "b"\n3) "c"\n');
    await expect(runInspector(['exec', 'GET'], io)).rejects.toThrow(/^redis: ERR wrong number of arguments/);
    await expect(runInspector(['exec', 'HGETALL', `${base}list`], io)).rejects.toThrow(/WRONGTYPE/);
  });

  it('--force runs it (on a private server)', async () => {
    const r = new Redis(priv.url);
    try {
      await r.set('a', '1');
      let out = '';
      const io = { defaultUrl: ctx.services.redis.url, write: (s: string) => (out += s), color: false };
      await expect(runInspector(['exec', 'FLUSHALL', '--url', priv.url], io)).rejects.toBeInstanceOf(ValidationError);
      expect(await r.dbsize()).toBe(1);
      await runInspector(['exec', 'FLUSHALL', '--force', '--url', priv.url], io);
      expect(out).toBe('"OK"\n');
      expect(await r.dbsize()).toBe(0);
    } finally {
      r.disconnect();
    }
  });
});
