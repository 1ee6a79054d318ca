// `npm run bench 5.3.2`: what the Redis session check adds to a JWT signature check, per call and
// in requests per second on the same route.
import { randomBytes } from 'node:crypto';
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { measure } from '../../harness/latency';
import { loadApp, type LoadResult } from '../../harness/load';
import { latencyMetric, rateMetric, ratio } from '../../harness/report';
import { createSessionApp } from './src/app';
import { validateSession } from './src/sessions';

export async function runBench({ ctx, quick, progress }: BenchApi): Promise<BenchResult> {
  const secret = randomBytes(32);
  const session = { idleTtlMs: 3_600_000, absoluteTtlMs: 3_600_000 };
  const common = { redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, secret, session, accessTtlSec: 3600, bcryptRounds: 4, cleanup: false as const };
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
  const duration = quick ? 1 : 4;
  const opts = { path: '/me', duration, connections: 20, headers: { authorization: `Bearer ${accessToken}` } };
  const httpBar = progress('HTTP load (4 runs)', 4);
  let sig: LoadResult | undefined;
  let sess: LoadResult | undefined;
  for (let r = 0; r < 2; r++) {
    const x = await loadApp(stateless.app, opts);
    httpBar.increment();
    const y = await loadApp(stateful.app, opts);
    httpBar.increment();
    if (!sig || x.requestsPerSec > sig.requestsPerSec) sig = x;
    if (!sess || y.requestsPerSec > sess.requestsPerSec) sess = y;
  }
  httpBar.stop();
  await stateful.close();
  await stateless.close();
  await ctx.pg.query('DELETE FROM users WHERE email = $1', [email]);

  return {
    metrics: [
      latencyMetric('jose HS256 verify (signature + claims)', verify),
      latencyMetric('Redis session check (touch-session.lua)', check),
      latencyMetric('authenticate = verify + session check', full),
      rateMetric('GET /me, signature check only', sig!.requestsPerSec, 'req/s'),
      rateMetric('GET /me, signature + Redis session check', sess!.requestsPerSec, 'req/s'),
    ],
    ratios: [
      ratio('session_check_req_s / signature_only_req_s', sess!.requestsPerSec / sig!.requestsPerSec, undefined, 'what revocability costs in throughput'),
      ratio('authenticate_p50 / verify_p50', full.p50 / verify.p50),
      ratio('authenticate_p99 / verify_p99', full.p99 / verify.p99),
    ],
    notes: [
      `${iterations.toLocaleString()} sequential calls per latency metric; one logged-in session, access token valid 1 h.`,
      `HTTP: autocannon, ${opts.connections} connections, ${duration} s per run, 2 alternating rounds each (best kept); non-2xx: ${sig!.non2xx} / ${sess!.non2xx}.`,
      'The session check is one EVALSHA that also slides the TTL (a write per request).',
    ],
  };
}
