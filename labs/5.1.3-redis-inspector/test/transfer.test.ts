import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, deleteByPrefix, type LabContext } from '../../../harness/context';
import { ValidationError } from '../../../shared/errors';
import { exportKey, importRecord } from '../src/batch';
import { fromB64, toB64, type ExportRecord } from '../src/record-format';
import { readCommands, writeCommands } from '../src/records';
import { exportToFile, importFromFile } from '../src/transfer';
import { runInspector } from '../src/cli';
import { BINARY, buildKeyspace, KEYSPACE, snapshot } from './keyspace';

let ctx: LabContext;
let dir: string;
beforeAll(async () => {
  ctx = await createTestContext('5.1.3', { services: ['redis'] });
  dir = mkdtempSync(path.join(tmpdir(), 'inspector-test-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await ctx.dispose();
});

const b = (s: string) => Buffer.from(s);
const decode = (list: string[]) => list.map((x) => fromB64(x).toString());

describe('exercise 3: export a key of every type', () => {
  let base: string;
  beforeAll(async () => {
    base = `${ctx.prefix}ex3:`;
    await buildKeyspace(ctx.redis, base);
  });

  it('readCommands: the value first, then PTTL', () => {
    const key = b('k');
    expect(readCommands(key, 'hash').map((c) => c[0].toUpperCase())).toEqual(['HGETALL', 'PTTL']);
    expect(readCommands(key, 'list')[0]!.slice(2)).toEqual([0, -1]);
    expect(readCommands(key, 'stream')[0]![0].toUpperCase()).toBe('DUMP');
    expect(readCommands(key, 'string', true)[0]![0].toUpperCase()).toBe('DUMP');
  });

  it('a string, binary-safe, with its TTL', async () => {
    const rec = (await exportKey(ctx.redis, b(`${base}str:bin`)))!;
    expect(rec).toMatchObject({ type: 'string', pttl: -1, key: toB64(`${base}str:bin`) });
    expect(fromB64((rec as { value: string }).value)).toEqual(BINARY);
    const ttl = (await exportKey(ctx.redis, b(`${base}str:ttl`)))!;
    expect(ttl.pttl).toBeGreaterThan(0);
    expect(ttl.pttl).toBeLessThanOrEqual(600_000);
  });

  it('a hash as field/value pairs', async () => {
    const rec = (await exportKey(ctx.redis, b(`${base}user:1`))) as Extract<ExportRecord, { type: 'hash' }>;
    expect(rec.type).toBe('hash');
    expect(Object.fromEntries(rec.value.map(([f, v]) => [fromB64(f).toString(), fromB64(v).toString()]))).toEqual({ name: 'Ada', email: 'ada@example.com' });
  });

  it('a list in order, duplicates and empty strings included', async () => {
    const rec = (await exportKey(ctx.redis, b(`${base}queue:jobs`))) as Extract<ExportRecord, { type: 'list' }>;
    expect(rec.type).toBe('list');
    expect(decode(rec.value)).toEqual(['a', 'b', 'a', '', 'c']);
  });

  it('a set and a sorted set with exact scores', async () => {
    const set = (await exportKey(ctx.redis, b(`${base}tags:1`))) as Extract<ExportRecord, { type: 'set' }>;
    expect(decode(set.value).sort()).toEqual(['x', 'y', 'z']);
    expect(set.pttl).toBeGreaterThan(0);
    const z = (await exportKey(ctx.redis, b(`${base}board:all`))) as Extract<ExportRecord, { type: 'zset' }>;
    expect(z.type).toBe('zset');
    const score = (s: string) => (/^-inf$/i.test(s) ? -Infinity : Number(s));
    const scores = Object.fromEntries(z.value.map(([m, s]) => [fromB64(m).toString(), score(s)]));
    expect(scores).toEqual({ nobody: -Infinity, ada: 0.1, linus: 42, grace: 1e300 });
  });

  it('a missing key is null; --format dump carries a DUMP payload', async () => {
    expect(await exportKey(ctx.redis, b(`${base}missing`))).toBeNull();
    const rec = (await exportKey(ctx.redis, b(`${base}user:1`), { dump: true }))!;
    expect(rec).toMatchObject({ type: 'hash', pttl: -1 });
    expect('dump' in rec && fromB64(rec.dump).length).toBeGreaterThan(10);
  });
});

describe('exercise 4: import, and the export → delete → import round trip', () => {
  it('writeCommands: DEL first when replacing, PEXPIRE last when the record had a TTL', () => {
    const rec: ExportRecord = { key: toB64('k'), type: 'set', pttl: 1234, value: ['a', 'b'].map(toB64) };
    const names = (cmds: ReturnType<typeof writeCommands>) => cmds.map((c) => c[0].toUpperCase());
    expect(names(writeCommands(rec, true))).toEqual(['DEL', 'SADD', 'PEXPIRE']);
    expect(writeCommands(rec).at(-1)).toEqual(['PEXPIRE', Buffer.from('k'), 1234]);
    expect(names(writeCommands({ ...rec, pttl: -1 }))).toEqual(['SADD']);
  });

  it('importRecord writes each type with its TTL', async () => {
    const base = `${ctx.prefix}ex4:`;
    const recs: ExportRecord[] = [
      { key: toB64(`${base}s`), type: 'string', pttl: 50_000, value: toB64(BINARY) },
      { key: toB64(`${base}h`), type: 'hash', pttl: -1, value: [[toB64('f'), toB64('v')]] },
      { key: toB64(`${base}l`), type: 'list', pttl: -1, value: ['c', 'a', 'b'].map(toB64) },
      { key: toB64(`${base}set`), type: 'set', pttl: 40_000, value: ['m', 'n'].map(toB64) },
      { key: toB64(`${base}z`), type: 'zset', pttl: -1, value: [[toB64('lo'), '-inf'], [toB64('hi'), '2.5']] },
    ];
    for (const r of recs) expect(await importRecord(ctx.redis, r)).toBe('written');
    expect(await ctx.redis.getBuffer(`${base}s`)).toEqual(BINARY);
    const pttl = await ctx.redis.pttl(`${base}s`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(50_000);
    expect(await ctx.redis.hgetall(`${base}h`)).toEqual({ f: 'v' });
    expect(await ctx.redis.lrange(`${base}l`, 0, -1)).toEqual(['c', 'a', 'b']);
    expect((await ctx.redis.smembers(`${base}set`)).sort()).toEqual(['m', 'n']);
    expect(await ctx.redis.pttl(`${base}set`)).toBeGreaterThan(0);
    expect(await ctx.redis.zrange(`${base}z`, 0, -1, 'WITHSCORES')).toEqual(['lo', '-inf', 'hi', '2.5']);
    expect(await ctx.redis.pttl(`${base}h`)).toBe(-1);
  });

  it('an existing key is skipped, or replaced with --replace (even by another type)', async () => {
    const key = `${ctx.prefix}ex4:exists`;
    await ctx.redis.set(key, 'old');
    const rec: ExportRecord = { key: toB64(key), type: 'list', pttl: -1, value: ['new'].map(toB64) };
    expect(await importRecord(ctx.redis, rec)).toBe('skipped');
    expect(await ctx.redis.get(key)).toBe('old');
    expect(await importRecord(ctx.redis, rec, { replace: true })).toBe('written');
    expect(await ctx.redis.lrange(key, 0, -1)).toEqual(['new']);
  });

  for (const format of ['json', 'dump'] as const) {
    it(`round trip (${format}): identical values, TTLs kept (0 < PTTL ≤ exported)`, async () => {
      const base = `${ctx.prefix}rt-${format}:`;
      const keys = await buildKeyspace(ctx.redis, base);
      await ctx.redis.xadd(`${base}events`, '1-1', 'kind', 'signup'); // a stream: travels as DUMP in both formats
      keys.push(`${base}events`);
      const before = new Map<string, Awaited<ReturnType<typeof snapshot>>>();
      for (const k of keys) before.set(k, await snapshot(ctx.redis, k));
      const file = path.join(dir, `rt.${format}.jsonl`);

      const ex = await exportToFile(ctx.redis, `${base}*`, file, { format, batch: 3 });
      expect(ex.keys).toBe(KEYSPACE.length + 1);
      const exported = new Map(
        readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .slice(1)
          .map((l) => JSON.parse(l) as ExportRecord)
          .map((r) => [fromB64(r.key).toString(), r.pttl]),
      );
      expect(await deleteByPrefix(ctx.redis, base)).toBe(KEYSPACE.length + 1);

      const im = await importFromFile(ctx.redis, file, { batch: 4 });
      expect(im).toMatchObject({ written: KEYSPACE.length + 1, skipped: 0 });
      expect(im.header.encoding).toBe(format);
      for (const k of keys) {
        const was = before.get(k)!;
        const now = await snapshot(ctx.redis, k);
        expect({ k, type: now.type, value: now.value }).toEqual({ k, type: was.type, value: was.value });
        if (was.pttl === -1) {
          expect(now.pttl).toBe(-1);
        } else {
          expect(now.pttl).toBeGreaterThan(0);
          expect(now.pttl).toBeLessThanOrEqual(exported.get(k)!);
        }
      }
      const again = await importFromFile(ctx.redis, file);
      expect(again).toMatchObject({ written: 0, skipped: KEYSPACE.length + 1 });
    });
  }

  it('export and import commands print what they did', async () => {
    const base = `${ctx.prefix}cli:`;
    await buildKeyspace(ctx.redis, base);
    const file = path.join(dir, 'cli.jsonl');
    let out = '';
    const io = { defaultUrl: ctx.services.redis.url, write: (s: string) => (out += s), color: false };
    await runInspector(['export', `${base}*`, '--out', file], io);
    expect(out).toContain(`exported ${KEYSPACE.length} keys to ${file}`);
    await deleteByPrefix(ctx.redis, base);
    await runInspector(['import', file], io);
    expect(out).toContain(`imported ${KEYSPACE.length} keys from ${file}`);
    await runInspector(['import', file, '--replace'], io);
    expect(out.trim().split('\n').at(-1)).toBe(`imported ${KEYSPACE.length} keys from ${file}`);
  });
});

describe('import: bad files', () => {
  it('a file that is not an export, a bad record or a missing file is a one-line ValidationError', async () => {
    const notExport = path.join(dir, 'not-export.jsonl');
    writeFileSync(notExport, '{"hello":1}\n');
    await expect(importFromFile(ctx.redis, notExport)).rejects.toThrow(/not-export.jsonl:1: not a redis-inspector export/);
    const bad = path.join(dir, 'bad.jsonl');
    const header = { format: 'redis-inspector-export', version: 1, encoding: 'json', pattern: 'x*', exportedAt: 'now', redis: '7' };
    writeFileSync(bad, `${JSON.stringify(header)}\n{"key":"eA==","type":"hash","pttl":-1,"value":"nope"}\n`);
    await expect(importFromFile(ctx.redis, bad)).rejects.toThrow(/bad.jsonl:2: bad record/);
    writeFileSync(bad, `${JSON.stringify(header)}\nnot json\n`);
    await expect(importFromFile(ctx.redis, bad)).rejects.toThrow(/bad.jsonl:2: not JSON/);
    await expect(importFromFile(ctx.redis, path.join(dir, 'nope.jsonl'))).rejects.toBeInstanceOf(ValidationError);
  });

  it('export refuses an unwritable --out and a bad format', async () => {
    await expect(exportToFile(ctx.redis, `${ctx.prefix}*`, path.join(dir, 'no', 'such', 'dir.jsonl'))).rejects.toThrow(/cannot write/);
    await expect(exportToFile(ctx.redis, `${ctx.prefix}*`, path.join(dir, 'x.jsonl'), { format: 'xml' as 'json' })).rejects.toThrow(/--format/);
  });
});
