import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { createTestContext, type LabContext } from '../../../harness/context';
import { startRedisServer, type ManagedRedis } from '../../../harness/faults';
import { freePort } from '../../../harness/ports';
import { UsageError } from '../../../harness/usage-error';
import { ValidationError } from '../../../shared/errors';
import { ConnectionError, openRedis, redactUrl, toCliError } from '../src/connect';
import { runInspector } from '../src/cli';
import { mastersOf, nodeName } from '../src/nodes';

let ctx: LabContext;
let priv: ManagedRedis;
let closedPort: number;
beforeAll(async () => {
  ctx = await createTestContext('5.1.3', { services: ['redis'] });
  priv = await startRedisServer();
  // a private server with a password (never CONFIG SET on the shared one)
  const admin = new Redis(priv.url);
  await admin.config('SET', 'requirepass', 's3cret');
  admin.disconnect();
  closedPort = await freePort();
});
afterAll(async () => {
  await priv.dispose();
  await ctx.dispose();
});

const io = () => ({ defaultUrl: ctx.services.redis.url, write: () => {} });
const oneLine = (err: unknown) => {
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).not.toContain('\n');
  return (err as Error).message;
};

describe('errors: one line, exit 2', () => {
  it('a bad --url is a usage error', async () => {
    await expect(openRedis('not a url')).rejects.toThrow(/invalid --url/);
    await expect(openRedis('http://localhost:6379')).rejects.toThrow(/redis:\/\/ or rediss:\/\//);
    await expect(runInspector(['keys', 'x*', '--url', 'nope'], io())).rejects.toBeInstanceOf(UsageError);
    await expect(openRedis('redis://127.0.0.1:6379/abc')).rejects.toThrow(/the path is a database number/);
  });

  it('a database the server does not have is refused, not quietly replaced by db 0', async () => {
    if (ctx.redis instanceof Cluster) {
      // A cluster node has only db 0: /99 on one of its masters is refused the same way, in one line.
      const err = await openRedis(`redis://${nodeName(mastersOf(ctx.redis)[0]!)}/99`).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectionError);
      expect(oneLine(err)).toMatch(/a cluster node has only database 0 \(ERR SELECT is not allowed in cluster mode\)$/);
      return;
    }
    const url = new URL(ctx.services.redis.url);
    url.pathname = '/99';
    const err = await openRedis(url.toString()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(oneLine(err)).toMatch(/no such database on that server \(ERR DB index is out of range\)$/);
  });

  it('a redis-cluster:// URL whose seed nodes are all down fails fast with one line', async () => {
    const err = await openRedis(`redis-cluster://127.0.0.1:${closedPort}`, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(oneLine(err)).toMatch(new RegExp(`^cannot connect to redis-cluster://127\\.0\\.0\\.1:${closedPort}: `));
    await expect(openRedis('redis-cluster://nohostport')).rejects.toThrow(/invalid --url.*host:port/);
  });

  it('an unreachable server fails fast with one line (no retry loop)', async () => {
    const err = await openRedis(`redis://127.0.0.1:${closedPort}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(oneLine(err)).toBe(`cannot connect to redis://127.0.0.1:${closedPort}: connection refused (is Redis running on that port?)`);
  });

  it('a wrong or missing password says so, and hides the password', async () => {
    const wrong = await openRedis(`redis://:nope@127.0.0.1:${priv.port}`).catch((e: unknown) => e);
    expect(oneLine(wrong)).toBe(`cannot connect to redis://:***@127.0.0.1:${priv.port}: wrong user name or password`);
    const missing = await openRedis(priv.url).catch((e: unknown) => e);
    expect(oneLine(missing)).toMatch(/needs a password/);
    const ok = await openRedis(`redis://:s3cret@127.0.0.1:${priv.port}`);
    expect(await ok.ping()).toBe('PONG');
    ok.disconnect();
  });

  it('AUTH works through the URL for every command', async () => {
    let out = '';
    await runInspector(['stats', '--once', '--json', '--interval', '10', '--url', `redis://:s3cret@127.0.0.1:${priv.port}`], { ...io(), write: (s) => (out += s) });
    expect(JSON.parse(out)).toMatchObject({ clients: 1, keyspace: [] }); // the private server: only us, no keys
  });

  it('bad patterns and arguments are refused before anything runs', async () => {
    await expect(runInspector(['keys', `${ctx.prefix}[abc`], io())).rejects.toThrow(/bad pattern.*unclosed \[/);
    await expect(runInspector(['keys', ''], io())).rejects.toBeInstanceOf(ValidationError);
    await expect(runInspector(['keys', 'x*', '--limit', '0'], io())).rejects.toThrow(/--limit must be a positive whole number/);
    await expect(runInspector(['ttl', 'x*', '--within', 'soon'], io())).rejects.toBeInstanceOf(UsageError);
    await expect(runInspector(['nosuch'], io())).rejects.toThrow(/unknown command 'nosuch'/);
    await expect(runInspector(['export', 'x*'], io())).rejects.toThrow(/--out/);
  });

  it('a connection lost mid-command and a Redis error reply become one-line errors', async () => {
    const r = await openRedis(`redis://:s3cret@127.0.0.1:${priv.port}`);
    const reply = await r.call('SET').catch((e: unknown) => e);
    expect(toCliError(reply, priv.url)).toBeInstanceOf(ValidationError);
    await priv.stop();
    const lost = await r.ping().catch((e: unknown) => e);
    const err = toCliError(lost, `redis://:s3cret@127.0.0.1:${priv.port}`);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(oneLine(err)).toMatch(/^lost the connection to redis:\/\/:\*\*\*@127/);
    r.disconnect();
    await priv.start();
    expect(redactUrl('redis://user:pw@h:1/2')).toBe('redis://user:***@h:1/2');
  });

  it('npm run lab: exit code 2 and one line on stderr, no stack', () => {
    const root = path.resolve(import.meta.dirname, '../../..');
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'harness/cli.ts', 'lab', '5.1.3', 'keys', `${ctx.prefix}*`, '--url', `redis://127.0.0.1:${closedPort}`], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 30_000,
    });
    expect(res.status).toBe(2);
    expect(res.stderr.trim()).toBe(`cannot connect to redis://127.0.0.1:${closedPort}: connection refused (is Redis running on that port?)`);
  });
});

describe('TLS: rediss:// URLs', () => {
  let dir: string;
  let tlsServer: ManagedRedis;
  let tlsPort: number;
  beforeAll(async () => {
    // a self-signed certificate for 127.0.0.1, and a private Redis with a TLS port
    dir = mkdtempSync(path.join(tmpdir(), 'inspector-tls-'));
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { cwd: dir });
    if (gen.status !== 0) throw new Error(`openssl failed: ${gen.stderr}`);
    tlsPort = await freePort();
    tlsServer = await startRedisServer({ args: ['--tls-port', String(tlsPort), '--tls-cert-file', path.join(dir, 'cert.pem'), '--tls-key-file', path.join(dir, 'key.pem'), '--tls-auth-clients', 'no'] });
  });
  afterAll(async () => {
    await tlsServer?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('works with the CA given (--tls-ca) or with --insecure', async () => {
    for (const extra of [['--tls-ca', path.join(dir, 'cert.pem')], ['--insecure']]) {
      let out = '';
      await runInspector(['stats', '--once', '--json', '--interval', '10', '--url', `rediss://127.0.0.1:${tlsPort}`, ...extra], { ...io(), write: (s) => (out += s) });
      expect(JSON.parse(out).version).toMatch(/^\d/);
    }
  });

  it('an untrusted certificate is a one-line TLS error', async () => {
    const err = await runInspector(['stats', '--once', '--url', `rediss://127.0.0.1:${tlsPort}`], io()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(oneLine(err)).toMatch(/TLS failed \(self[- ]signed certificate/);
  });
});
