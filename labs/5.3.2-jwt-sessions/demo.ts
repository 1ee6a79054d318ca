// `npm run lab 5.3.2`: two app instances sharing sessions in Redis on an injected clock — login,
// sliding TTL, refresh rotation and reuse detection, revocation — then index cleanup on expiry.
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { startRedisServer } from '../../harness/faults';
import { waitFor } from '../../harness/ports';
import { rejectArgs } from '../../harness/usage-error';
import { isAppError } from '../../shared/errors';
import { keyBuilder } from '../../shared/keys';
import { createSessionApp } from './src/app';
import { detectCleanupMode, readStats, startCleanup } from './src/cleanup';
import { createSession } from './src/sessions';
import { storeDeps } from './src/store';
import { secretFromEnv } from './src/tokens';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/** Runs `fn` and narrates the 401 it is expected to end in. */
async function refused(ctx: LabContext, what: string, fn: () => Promise<unknown>) {
  try {
    await fn();
    ctx.log.warn(`   ${what}: accepted?!`);
  } catch (err) {
    ctx.log.info(`   ${what}: refused (${isAppError(err) ? err.code : (err as Error).message})`);
  }
}

export async function runDemo(ctx: LabContext, argv: string[]): Promise<void> {
  // The demo takes no arguments; anything else is a mistake worth saying so.
  rejectArgs(argv, 'npm run lab 5.3.2 (or: npm run lab 5.3.2 -- serve --port 3000)');
  const log = ctx.log;
  const keys = ctx.keys.forLab('5.3.2:demo');
  const clean = () => deleteByPrefix(ctx.redis, `${keys.prefix}${keys.lab}:`);
  await clean();
  let t = Date.now();
  const now = () => t;
  // Two "app instances": same secret (JWT_SECRET, or one generated for this demo), own connections.
  const secret = secretFromEnv();
  const session = { idleTtlMs: 30 * 60_000, absoluteTtlMs: 8 * 3_600_000 };
  const a = await createSessionApp({ redis: ctx.redis, pg: ctx.pg, keys, secret, now, session, cleanup: false });
  const b = await createSessionApp({ redis: ctx.newRedis(), pg: ctx.pg, keys, secret, now, session, cleanup: false });
  const d = a.deps;
  try {
    log.info('1. Register (bcrypt hash in Postgres) and log in: an access + refresh token pair, a session in Redis');
    const email = `ada-${randomBytes(3).toString('hex')}@example.com`;
    const user = await a.auth.register(email, 'correct horse battery');
    const first = await a.auth.login(email, 'correct horse battery');
    const ac = claimsOf(first.accessToken);
    log.info(`   access token: typ=${ac.typ} sub=${ac.sub} sid=${String(ac.sid).slice(0, 8)}… jti=${String(ac.jti).slice(0, 8)}… expires in ${first.expiresIn} s`);
    const sKey = d.k.session(user.id, first.sessionId);
    log.info(`   ${sKey}: TTL ${Math.round((await ctx.redis.pttl(sKey)) / 1000)} s (the idle timeout), index ${d.k.index(user.id)}`);

    log.info('2. Every request verifies the signature AND checks the session; each use slides the TTL');
    t += 4 * 60_000;
    const seen = await b.auth.authenticate(first.accessToken);
    log.info(`   4 min later, instance B accepts the token (user ${seen.userId}); the session TTL slid back to ${Math.round((await ctx.redis.pttl(sKey)) / 1000)} s`);
    t += 20 * 60_000;
    log.info('   20 min later the 5-minute access token has expired, so the client refreshes…');
    await refused(ctx, '   old access token', () => b.auth.authenticate(first.accessToken));
    const second = await a.auth.refresh(first.refreshToken);
    await b.auth.authenticate(second.accessToken);
    log.info(`   …and the session TTL is back to ${Math.round((await ctx.redis.pttl(sKey)) / 1000)} s (max ${session.absoluteTtlMs / 3_600_000} h in all)`);

    log.info('3. Refresh-token reuse: replaying the first refresh token revokes the whole session');
    await refused(ctx, 'replayed first refresh token', () => a.auth.refresh(first.refreshToken));
    await refused(ctx, 'newest refresh token of that session', () => a.auth.refresh(second.refreshToken));
    await refused(ctx, 'newest access token, on the OTHER instance', () => b.auth.authenticate(second.accessToken));

    log.info('4. Revocation: one token, one session, every session — each instance sees it at its next request');
    const s1 = await a.auth.login(email, 'correct horse battery');
    const s2 = await a.auth.login(email, 'correct horse battery');
    const s3 = await a.auth.login(email, 'correct horse battery');
    await a.auth.revokeToken(await a.auth.authenticate(s1.accessToken));
    await refused(ctx, 'revoked access token on instance B', () => b.auth.authenticate(s1.accessToken));
    const renewed = await b.auth.refresh(s1.refreshToken);
    log.info(`   its session lives on: a refresh gave a new access token (${(await b.auth.authenticate(renewed.accessToken)).sid === s1.sessionId ? 'same session' : '?'})`);
    await a.auth.logout(await a.auth.authenticate(s2.accessToken));
    await refused(ctx, 'logged-out session on instance B', () => b.auth.authenticate(s2.accessToken));
    log.info(`   logout-all ended ${await b.auth.logoutAll(await b.auth.authenticate(s3.accessToken))} session(s)`);
    await refused(ctx, 'any token after logout-all', () => a.auth.authenticate(renewed.accessToken));
    log.info(`   /sessions/stats: ${JSON.stringify(await readStats(d))}`);
  } finally {
    await a.close();
    await b.close();
  }

  log.info('5. Cleanup of the per-user indexes when sessions expire');
  log.info(`   the shared Redis has notifications ${(await detectCleanupMode(ctx.redis)) === 'notifications' ? 'ON' : 'off: the sweep is the way'} (we never CONFIG SET it)`);
  const server = await startRedisServer({ args: ['--notify-keyspace-events', 'Ex'] });
  const priv = new Redis(server.url);
  try {
    const pd = storeDeps(priv, keyBuilder({ lab: 'demo' }), { idleTtlMs: 300, absoluteTtlMs: 60_000 });
    const cleanup = await startCleanup(pd, { sweepEveryMs: 3_600_000 });
    log.info(`   a private Redis with notify-keyspace-events Ex: cleanup mode "${cleanup.mode}"`);
    await createSession(pd, '1', 'jti-1');
    await createSession(pd, '1', 'jti-2');
    log.info(`   two sessions with a 300 ms idle TTL; index size ${await priv.zcard(pd.k.index('1'))}`);
    await waitFor(async () => (await priv.zcard(pd.k.index('1'))) === 0, { what: 'the index to empty' });
    log.info(`   expired events arrived, index emptied; stats: ${JSON.stringify(await readStats(pd))}`);
    await cleanup.stop();
  } finally {
    priv.disconnect();
    await server.dispose();
    await clean();
  }
}
