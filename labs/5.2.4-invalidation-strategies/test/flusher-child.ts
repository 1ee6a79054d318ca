// A write-behind flusher in its own OS process, for the crash test: it runs one real flush round
// (XREADGROUP, apply, XACK) and freezes at a chosen point of the batch so the test can SIGKILL it there:
//   mid-batch    — inside the open transaction, after the 3rd UPDATE (or just before COMMIT if sooner)
//   after-commit — the transaction committed, the XACK not sent yet
// It reports { type: 'paused' } when frozen, { type: 'finished' } if it never reached that point, or
// { type: 'error', message } (e.g. an unfinished exercise).
import pg from 'pg';
import { useImplFromEnv } from '../../../harness/impl-register';

// Learner mode swaps the lab's src/ here too, so the crash test grades the implementation under test.
useImplFromEnv();

export interface FlusherChildArgs {
  redisUrl: string;
  databaseUrl: string;
  schema: string;
  prefix: string;
  lab: string;
  consumer: string;
  stage: 'mid-batch' | 'after-commit';
}

const send = (msg: unknown) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));
const freeze = async () => {
  await send({ type: 'paused' });
  await new Promise(() => {}); // until SIGKILL
};

process.once('message', async (args: FlusherChildArgs) => {
  try {
    const { connectRedis } = await import('../../../shared/redis-client');
    const { keyBuilder } = await import('../../../shared/keys');
    const { createFlusher } = await import('../src/write-behind-queue');
    const { quoteIdent } = await import('../../../harness/context');
    const pool = new pg.Pool({ connectionString: args.databaseUrl, max: 2, options: `-c search_path=${quoteIdent(args.schema)}` });
    // Watch the statements of the flusher's transaction client, to freeze at the chosen point.
    const connect = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    let updates = 0;
    (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const client = await connect();
      const query = client.query.bind(client) as (...a: unknown[]) => Promise<unknown>;
      (client as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = async (...a: unknown[]) => {
        const text = String(typeof a[0] === 'string' ? a[0] : (a[0] as { text?: string })?.text ?? '').trim().toUpperCase();
        if (args.stage === 'mid-batch' && text.startsWith('COMMIT')) await freeze();
        const result = await query(...a);
        if (args.stage === 'mid-batch' && text.startsWith('UPDATE') && ++updates === 3) await freeze();
        if (args.stage === 'after-commit' && text.startsWith('COMMIT')) await freeze();
        return result;
      };
      return client;
    };
    const redis = connectRedis(args.redisUrl);
    const flusher = createFlusher({ redis, pool, keys: keyBuilder({ prefix: args.prefix, lab: args.lab }), consumer: args.consumer });
    await flusher.ensureGroup();
    await flusher.flushOnce();
    await send({ type: 'finished' });
    redis.disconnect();
    await pool.end();
    process.exit(0);
  } catch (err) {
    await send({ type: 'error', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    process.exit(1);
  }
});
