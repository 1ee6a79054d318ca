// One API instance on an ephemeral port, on the test context's Redis prefix and Postgres schema,
// with a clock the test controls (fixed in 2030 so PEXPIREAT times lie in the future).
import { afterAll, beforeAll } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { listen } from '../../../shared/http';
import { createLeaderboardApp } from '../src/app';
import { apiClient } from '../src/client';
import { lbKeys } from '../src/keys';

/** Tuesday 2030-01-15 12:00 UTC: day 2030-01-15, ISO week 2030-W03 (Monday 2030-01-14). */
export const T0 = Date.UTC(2030, 0, 15, 12);
export const AUTH = { apiKey: 'test-admin-key', jwtSecret: 'test-jwt-secret-at-least-32-bytes!!' };

export async function startApi(ctx: LabContext, opts: { historyCap?: number; clock?: { t: number }; topCacheMs?: number } = {}) {
  const clock = opts.clock ?? { t: T0 };
  const lb = await createLeaderboardApp({
    redis: ctx.redis,
    subscriber: ctx.newRedis(),
    pg: ctx.pg,
    keys: ctx.keys,
    auth: AUTH,
    now: () => clock.t,
    historyCap: opts.historyCap,
    topCacheMs: opts.topCacheMs,
    log: ctx.log,
  });
  const server = await listen(lb.app);
  return {
    url: server.url,
    api: apiClient(server.url),
    clock,
    keys: lbKeys(ctx.keys),
    async close() {
      await lb.close();
      await server.close();
    },
  };
}

export type Api = Awaited<ReturnType<typeof startApi>>;

/** Seeds a board directly (tests of reading code that should not depend on the submit exercise). */
export async function seedBoard(ctx: LabContext, key: string, scores: Record<string, number>): Promise<void> {
  await ctx.redis.zadd(key, ...Object.entries(scores).flatMap(([player, score]) => [score, player]));
}

/** Asserts the status; on a mismatch the error shows the body (e.g. a starter's "Not implemented yet"). */
export function ok<T extends { status: number; body: any }>(reply: T, status = 200): T['body'] {
  if (reply.status !== status) throw new Error(`expected HTTP ${status}, got ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Asserts an error reply with the shared body `{ error: { code, message } }`. */
export function fails(reply: { status: number; body: any }, status: number, code?: string): void {
  ok(reply, status);
  if (typeof reply.body?.error?.message !== 'string') throw new Error(`no error body: ${JSON.stringify(reply.body)}`);
  if (code !== undefined && reply.body.error.code !== code) throw new Error(`expected code ${code}: ${JSON.stringify(reply.body)}`);
}

export interface TestEnv {
  ctx: LabContext;
  /** The API under test. */
  lb: Api;
  /** A second instance on the same Redis and clock (only with `second: true`). */
  other: Api;
}

/** A test context and the API (plus, on request, a second instance), set up and torn down with the file. */
export function useApi(opts: { historyCap?: number; second?: boolean } = {}): TestEnv {
  const env = {} as TestEnv;
  beforeAll(async () => {
    env.ctx = await createTestContext('5.1.B');
    env.lb = await startApi(env.ctx, { historyCap: opts.historyCap });
    if (opts.second) env.other = await startApi(env.ctx, { clock: env.lb.clock });
  });
  afterAll(async () => {
    await env.other?.close();
    await env.lb?.close();
    await env.ctx?.dispose();
  });
  return env;
}
