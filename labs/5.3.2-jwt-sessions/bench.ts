// `npm run bench 5.3.2`: what the Redis session check adds to a JWT signature check, per call and
// in requests per second on the same route.
import { randomBytes } from 'node:crypto';
import { benchTopologies, clusterVsSingle, failoverMetrics } from '../../harness/cluster-bench';
import { createTestContext, type LabContext } from '../../harness/context';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { runFailoverDrill } from '../../harness/failover-drill';
import { listen } from '../../shared/http';
import { measure, median } from '../../harness/latency';
import { loadApp, type LoadResult } from '../../harness/load';
import { latencyMetric, rateMetric, ratio } from '../../harness/report';
import { TEST_SCRYPT } from '../../shared/password';
import { createSessionApp } from './src/app';
import { createSession, validateSession } from './src/sessions';
import { sessionKeys, storeDeps } from './src/store';

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const secret = randomBytes(32);
  const session = { idleTtlMs: 3_600_000, absoluteTtlMs: 3_600_000 };
  const common = { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, secret, session, accessTtlSec: 3600, passwordParams: TEST_SCRYPT, cleanup: false as const };
  const stateful = await createSessionApp(common);
  const stateless = await createSessionApp({ ...common, checkSession: false });
  const email = `bench-${randomBytes(4).toString('hex')}@example.com`;
  await stateful.auth.register(email, 'bench password');
  const { accessToken } = await stateful.auth.login(email, 'bench password');
  const claims = await stateful.tokens.verify(accessToken, 'access');

  const iterations = quick ? 2_000 : 20_000;
  const bar = progress('verification latency', iterations * 3);
  const tick = () => bar.increment();
  const verify = await measure(() => stateful.tokens.verify(accessToken, 'access'), { iterations, onProgress: tick });
  const check = await measure(() => validateSession(stateful.deps, claims.sub, claims.sid, claims.jti), { iterations, onProgress: tick });
  const full = await measure(() => stateful.auth.authenticate(accessToken), { iterations, onProgress: tick });
  bar.stop();

  // Same route, same token, same load: with the Redis session check and with the signature only.
  // Short runs in alternating rounds (the order flips each round), and the median of the ratios
  // measured in the same round: on a shared machine, load that comes and goes hits both sides alike.
  const duration = quick ? 1 : 2;
  const rounds = quick ? 2 : 5;
  const opts = { path: '/me', duration, connections: 20, headers: { authorization: `Bearer ${accessToken}` } };
  const httpBar = progress(`HTTP load (${rounds * 2} runs)`, rounds * 2);
  const sigRuns: LoadResult[] = [];
  const sessRuns: LoadResult[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [false, true] : [true, false];
    for (const withSession of order) {
      const run = await loadApp(withSession ? stateful.app : stateless.app, opts);
      (withSession ? sessRuns : sigRuns).push(run);
      httpBar.increment();
    }
  }
  httpBar.stop();
  const sigRps = median(sigRuns.map((x) => x.requestsPerSec));
  const sessRps = median(sessRuns.map((x) => x.requestsPerSec));
  const rpsRatio = median(sessRuns.map((x, i) => x.requestsPerSec / sigRuns[i]!.requestsPerSec));
  const non2xx = (runs: LoadResult[]) => runs.reduce((n, x) => n + x.non2xx, 0);
  await stateful.close();
  await stateless.close();
  await ctx.pg.query('DELETE FROM users WHERE email = $1', [email]);

  // Redis Cluster: the session check (one {user}-tagged script) on a private cluster against a private
  // single server, then the failover drill of test/failover.test.ts on that cluster.
  const topology = await clusterVsSingle(ctx, {
    what: 'session check (touch-session.lua)',
    iterations: quick ? 300 : 3_000,
    setup: async (redis, keys) => {
      const d = storeDeps(redis, keys, session);
      const users = Array.from({ length: 100 }, (_, i) => `bench-${i}`);
      const sids = await Promise.all(users.map(async (u) => (await createSession(d, u, `r-${u}`)).sid));
      // Warm-up calls come with negative indexes (measurePair): keep the index in 0..99.
      return (i) => validateSession(d, users[((i % 100) + 100) % 100]!, sids[((i % 100) + 100) % 100]!, `j-${i}`);
    },
  });
  const failover = await sessionFailover(ctx, secret);

  return {
    metrics: [
      latencyMetric('jose HS256 verify (signature + claims)', verify),
      latencyMetric('Redis session check (touch-session.lua)', check),
      latencyMetric('authenticate = verify + session check', full),
      rateMetric('GET /me, signature check only (median round)', sigRps, 'req/s'),
      rateMetric('GET /me, signature + Redis session check (median round)', sessRps, 'req/s'),
      ...topology.metrics,
      ...failover,
    ],
    ratios: [
      ratio('session_check_req_s / signature_only_req_s', rpsRatio, undefined, 'what revocability costs in throughput; median of same-round ratios'),
      ratio('authenticate_p50 / verify_p50', full.p50 / verify.p50),
      ratio('authenticate_p99 / verify_p99', full.p99 / verify.p99),
      ...topology.ratios,
    ],
    notes: [
      `${iterations.toLocaleString()} sequential calls per latency metric; one logged-in session, access token valid 1 h.`,
      `HTTP: autocannon, ${opts.connections} connections, ${rounds} rounds of one ${duration} s run per route, the order alternating each round; req/s are median rounds and the ratio is the median of same-round ratios; non-2xx: ${non2xx(sigRuns)} / ${non2xx(sessRuns)}.`,
      'The session check is one EVALSHA that also slides the TTL (a write per request).',
    ],
  };
}

/** GET /me under the failover of its user's master, on the bench's private cluster: its rows. */
async function sessionFailover(ctx: LabContext, secret: Buffer) {
  const { cluster } = await benchTopologies(ctx);
  const fctx = await createTestContext('5.3.2', { redisUrl: cluster.url, serving: true });
  const app = await createSessionApp({ redis: fctx.redis, pg: fctx.pg, keys: fctx.keys, secret, passwordParams: TEST_SCRYPT, cleanup: false });
  const http = await listen(app.app);
  try {
    await app.auth.register('failover@example.com', 'bench password');
    const { accessToken } = await app.auth.login('failover@example.com', 'bench password');
    const claims = await app.tokens.verify(accessToken, 'access');
    const r = await runFailoverDrill({ restartKilled: true,
      cluster,
      key: sessionKeys(fctx.keys).index(claims.sub),
      request: (signal) => fetch(`${http.url}/me`, { signal, headers: { authorization: `Bearer ${accessToken}` } }),
    });
    return failoverMetrics(r, "failover of a user's master");
  } finally {
    await http.close();
    await app.close();
    await fctx.dispose();
  }
}
