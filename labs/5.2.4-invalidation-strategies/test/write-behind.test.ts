import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '../src/deployment';
import type { FlusherChildArgs } from './flusher-child';
import { createFlusher, backlog, queueKey, GROUP } from '../src/write-behind-queue';
import { dbPrice, openLab, type Lab } from './helpers';

let lab: Lab;
beforeAll(async () => {
  lab = await openLab();
});
afterAll(() => lab.dispose());

const version = async (id: number) => (await lab.ctx.pg.query<{ version: number }>('SELECT version FROM products WHERE id = $1', [id])).rows[0]!.version;
/**
 * Runs a flusher in its own OS process, lets it freeze at `stage` of its batch, and SIGKILLs it there:
 * a real crash (its Postgres connection and open transaction die with it), not a simulated one.
 */
async function killFlusherAt(d: Deployment, stage: FlusherChildArgs['stage'], consumer: string): Promise<void> {
  const child = fork(fileURLToPath(new URL('./flusher-child.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const reply = await new Promise<{ type: string; message?: string }>((resolve, reject) => {
      child.once('message', resolve);
      child.once('exit', (code) => reject(new Error(`the flusher process exited (code ${code}) before reaching ${stage}`)));
      const args: FlusherChildArgs = { redisUrl: lab.ctx.services.redis.url, databaseUrl: lab.ctx.services.postgres.url, schema: lab.ctx.schema, prefix: d.keys.prefix, lab: d.keys.lab, consumer, stage };
      child.send(args);
    });
    if (reply.type === 'error') throw new Error(reply.message);
    if (reply.type !== 'paused') throw new Error(`the flusher finished its round without reaching ${stage}: apply the batch in one transaction on a pool client (pool.connect())`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

const ledger = async () => Number((await lab.ctx.pg.query<{ n: string }>('SELECT count(*) AS n FROM write_behind_applied')).rows[0]!.n);

describe('exercise 4: write-behind flush and ack', () => {
  it('a write is visible at once from the cache, and in Postgres after a flush', async () => {
    const d = lab.deploy('write-behind');
    const s = await d.instance();
    await s.read(31);
    await s.write(31, { priceCents: 3131 });
    expect(await dbPrice(lab.ctx, 31)).not.toBe(3131); // not yet: it is queued
    const readsBefore = d.catalog.stats.reads;
    expect((await s.read(31))!.priceCents).toBe(3131);
    expect(d.catalog.stats.reads).toBe(readsBefore);

    const flusher = createFlusher({ redis: lab.ctx.redis, pool: lab.ctx.pg, keys: d.keys, consumer: 'solo' });
    await flusher.ensureGroup();
    expect(await flusher.flushOnce()).toBe(1);
    expect(await dbPrice(lab.ctx, 31)).toBe(3131);
    expect(await backlog(lab.ctx.redis, d.keys)).toBe(0);
  });

  it('a consumer that dies after reading (and half-applying) a batch loses nothing and applies nothing twice', async () => {
    await lab.ctx.pg.query('TRUNCATE write_behind_applied');
    const d = lab.deploy('write-behind');
    const s = await d.instance();
    const startVersion = await version(32);
    for (let i = 1; i <= 5; i++) await s.write(32, { priceCents: 32_000 + i });

    // Consumer A reads the whole batch, commits the first 3 entries, and dies before its XACK.
    const a = createFlusher({ redis: lab.ctx.redis, pool: lab.ctx.pg, keys: d.keys, consumer: 'A' });
    await a.ensureGroup();
    const batch = await a.readNew(10);
    expect(batch).toHaveLength(5);
    await a.apply(batch.slice(0, 3));
    const pending = (await lab.ctx.redis.xpending(queueKey(d.keys), GROUP)) as [number, ...unknown[]];
    expect(pending[0]).toBe(5);

    // Consumer B starts, claims A's pending entries, skips the 3 already committed, applies 2, acks 5.
    const b = createFlusher({ redis: lab.ctx.redis, pool: lab.ctx.pg, keys: d.keys, consumer: 'B', claimIdleMs: 0 });
    expect(await b.flushOnce()).toBe(5);
    expect(await b.flushOnce()).toBe(0);

    expect(await version(32)).toBe(startVersion + 5); // each write applied exactly once
    expect(await dbPrice(lab.ctx, 32)).toBe(32_005); // in order, the last write wins
    expect(await ledger()).toBe(5);
    expect(await backlog(lab.ctx.redis, d.keys)).toBe(0);
  });

  it('a consumer that dies before committing anything leaves every entry for the next one', async () => {
    const d = lab.deploy('write-behind');
    const s = await d.instance();
    const startVersion = await version(33);
    for (let i = 1; i <= 3; i++) await s.write(33, { priceCents: 33_000 + i });
    const a = createFlusher({ redis: lab.ctx.redis, pool: lab.ctx.pg, keys: d.keys, consumer: 'A' });
    await a.ensureGroup();
    expect(await a.readNew(10)).toHaveLength(3);

    const b = createFlusher({ redis: lab.ctx.redis, pool: lab.ctx.pg, keys: d.keys, consumer: 'B', claimIdleMs: 0 });
    expect(await b.flushOnce()).toBe(3);
    expect(await version(33)).toBe(startVersion + 3);
    expect(await dbPrice(lab.ctx, 33)).toBe(33_003);
  });

  for (const stage of ['mid-batch', 'after-commit'] as const) {
    it(`a flusher process SIGKILLed ${stage === 'mid-batch' ? 'mid-batch (3 of 5 UPDATEs done, not committed)' : 'after its COMMIT, before its XACK'}: nothing lost, nothing applied twice`, async () => {
      await lab.ctx.pg.query('TRUNCATE write_behind_applied');
      const d = lab.deploy('write-behind');
      const s = await d.instance();
      const id = stage === 'mid-batch' ? 36 : 37;
      const startVersion = await version(id);
      for (let i = 1; i <= 5; i++) await s.write(id, { priceCents: id * 1000 + i });

      await killFlusherAt(d, stage, 'doomed');
      const pending = (await lab.ctx.redis.xpending(queueKey(d.keys), GROUP)) as [number, ...unknown[]];
      expect(pending[0]).toBe(5); // delivered to the dead consumer, never acked
      // mid-batch: its transaction died with its connection; after-commit: all 5 are in Postgres already.
      expect(await ledger()).toBe(stage === 'mid-batch' ? 0 : 5);

      const next = createFlusher({ redis: lab.ctx.redis, pool: lab.ctx.pg, keys: d.keys, consumer: 'survivor', claimIdleMs: 0 });
      expect(await next.flushOnce()).toBe(5);
      expect(await next.flushOnce()).toBe(0);
      expect(await version(id)).toBe(startVersion + 5); // each write exactly once
      expect(await dbPrice(lab.ctx, id)).toBe(id * 1000 + 5);
      expect(await ledger()).toBe(5);
      expect(await backlog(lab.ctx.redis, d.keys)).toBe(0);
    });
  }

  it('the worker loop drains the queue by itself', async () => {
    const d = lab.deploy('write-behind');
    const s = await d.instance();
    for (let i = 1; i <= 4; i++) await s.write(34 + (i % 2), { priceCents: 34_000 + i });
    const w = (await d.startWorker())!;
    await w.drain!(10_000);
    expect(await dbPrice(lab.ctx, 34)).toBe(34_004);
    expect(await dbPrice(lab.ctx, 35)).toBe(34_003);
  });
});
