// Wiring the API into a lab context (demo, serve, bench): the context's Redis, a subscriber connection,
// its Postgres pool and keys, and admin credentials from the environment (dev defaults otherwise).
import type { LabContext } from '../../../harness/context';
import { createLeaderboardApp } from './app';
import { deleteArchives } from './archive';
import type { AdminAuth } from './auth';
import { deleteGame, lbKeys } from './keys';

export function adminAuthFromEnv(): AdminAuth {
  return {
    apiKey: process.env.LB_ADMIN_KEY ?? 'dev-admin-key',
    jwtSecret: process.env.LB_JWT_SECRET ?? 'dev-only-jwt-secret-change-me-0123456789',
  };
}

/** The first-page micro-cache of a served API: LB_TOP_CACHE_MS, 250 ms by default (0 turns it off). */
export const servedTopCacheMs = () => Number(process.env.LB_TOP_CACHE_MS ?? 250);

export function leaderboardService(ctx: LabContext, opts: { auth?: AdminAuth; topCacheMs?: number } = {}) {
  return createLeaderboardApp({
    redis: ctx.redis,
    subscriber: ctx.newRedis(),
    pg: ctx.pg,
    keys: ctx.keys,
    auth: opts.auth ?? adminAuthFromEnv(),
    topCacheMs: opts.topCacheMs ?? servedTopCacheMs(),
    log: ctx.log,
  });
}

/** Removes one game's keys and archives (the demo's and the bench's clean-up). */
export async function removeGame(ctx: LabContext, game: string): Promise<void> {
  await deleteGame(ctx.redis, lbKeys(ctx.keys), game);
  await deleteArchives(ctx.pg, game);
}
