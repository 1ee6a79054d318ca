// Wiring the API into a lab context (demo, serve, bench): the context's Redis, a subscriber connection,
// its Postgres pool and keys, and admin credentials from the environment (dev defaults otherwise).
import type { LabContext } from '../../../harness/context';
import { createLeaderboardApp } from './app';
import type { AdminAuth } from './auth';

export function adminAuthFromEnv(): AdminAuth {
  return {
    apiKey: process.env.LB_ADMIN_KEY ?? 'dev-admin-key',
    jwtSecret: process.env.LB_JWT_SECRET ?? 'dev-only-jwt-secret-change-me-0123456789',
  };
}

export function leaderboardService(ctx: LabContext, opts: { now?: () => number; auth?: AdminAuth } = {}) {
  return createLeaderboardApp({ redis: ctx.redis, subscriber: ctx.newRedis(), pg: ctx.pg, keys: ctx.keys, auth: opts.auth ?? adminAuthFromEnv(), now: opts.now, log: ctx.log });
}
