// The inspector under abuse: commands that are not one request / one reply, a frozen server and
// blocking commands (bounded by --timeout), imports of things that are not export files, and
// passwords in error messages. Everything that could disturb a server runs on a private one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { freePort } from '../../../harness/ports';
import { ValidationError } from '../../../shared/errors';
import { runInspector } from '../src/cli';
import { ConnectionError, openRedis } from '../src/connect';
import { importFromFile } from '../src/transfer';

let ctx: LabContext;
let priv: ManagedRedis;
let dir: string;
beforeAll(async () => {
  ctx = await createTestContext('5.1.3', { services: ['redis'] });
  priv = await startRedisServer();
  dir = mkdtempSync(path.join(tmpdir(), 'inspector-hardening-'));
});
afterAll(async () => {
  priv.resume();
  await priv.dispose();
  await ctx.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const io = () => ({ defaultUrl: priv.url, write: () => {}, color: false });
const failure = (p: Promise<unknown>) => p.then(() => new Error('expected a failure'), (e: unknown) => e as Error);

describe('exec: commands that are not one request, one reply', () => {
  it.each([[['SUBSCRIBE', 'ch']], [['HELLO', '3']], [['MONITOR']], [['PSUBSCRIBE', 'x*']]])('%j is refused in one line, even with --force', async (cmd) => {
    const err = await failure(runInspector(['exec', ...cmd, '--force'], io()));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(/changes the connection itself \(use redis-cli for it\)$/);
  });
});

describe('every reply is bounded by --timeout', () => {
  it('a blocking command with no timeout of its own ends at --timeout, in one line', async () => {
    const blpop = await failure(runInspector(['exec', 'BLPOP', 'k', '0', '--force', '--timeout', '300'], io()));
    expect(blpop).toBeInstanceOf(ConnectionError);
    expect(blpop.message).toMatch(/^no answer from redis:\/\/127\.0\.0\.1:\d+ within 300 ms \(a frozen server, or a blocking command/);
    // XREAD BLOCK only reads (it would run without --force), and is bounded the same way.
    const xread = await failure(runInspector(['exec', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$', '--force', '--timeout', '300'], io()));
    expect(xread.message).toMatch(/within 300 ms/);
  });

  it('a frozen server (SIGSTOP) ends at --timeout, connected or connecting', async () => {
    const live = await openRedis(priv.url, { commandTimeoutMs: 300 });
    priv.pause();
    try {
      const midway = await failure(live.get('k'));
      expect(midway.message).toMatch(/Command timed out/);
      const command = await failure(runInspector(['exec', 'GET', 'k', '--timeout', '300'], io()));
      expect(command).toBeInstanceOf(ConnectionError);
      expect(command.message).toMatch(/timed out|no answer/);
      const walk = await failure(runInspector(['keys', '*', '--timeout', '300'], io()));
      expect(walk).toBeInstanceOf(ConnectionError);
    } finally {
      live.disconnect();
      priv.resume();
    }
  });
});

describe('import: only export files, streamed', () => {
  it('/dev/zero (a device that never ends) is refused up front', async () => {
    await expect(importFromFile(ctx.redis, '/dev/zero')).rejects.toThrow(/^cannot read \/dev\/zero: not a regular file/);
  });

  it('a directory is refused with a sentence, not an EISDIR object', async () => {
    const err = await failure(runInspector(['import', dir], io()));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(`cannot read ${dir}: it is a directory (give the file written by export)`);
  });

  it('a line longer than the limit stops the import without reading it whole', async () => {
    const file = path.join(dir, 'one-long-line.jsonl');
    writeFileSync(file, 'x'.repeat(10_000));
    await expect(importFromFile(ctx.redis, file, { maxLineBytes: 1024 })).rejects.toThrow(/one-long-line.jsonl:1: a line longer than 1024 bytes: not a redis-inspector export/);
  });
});

describe('passwords never reach a message', () => {
  it.each([
    ['an unparsable --url', 'redis://:secretpw@[::1'],
    ['a refused connection', 'redis://:secretpw@127.0.0.1:PORT'],
    ['a password in the query', 'redis://127.0.0.1:PORT/?password=secretpw'],
  ])('%s', async (_, template) => {
    const url = template.replace('PORT', String(await freePort()));
    const err = await failure(runInspector(['exec', 'PING', '--url', url], io()));
    expect(err.message).toMatch(/\*\*\*/);
    expect(err.message).not.toContain('secretpw');
  });
});

describe('usage mistakes', () => {
  it('a missing argument prints the command help with it', async () => {
    const err = await failure(runInspector(['keys'], io()));
    expect(err.message).toMatch(/^missing required argument 'pattern'/);
    expect(err.message).toContain('Usage: npm run lab 5.1.3 -- keys [options] <pattern>');
  });
});
