// `npm run lab 5.3.B`: three downstream services (one forked process), two gateway instances (two more
// processes) on one Redis and one Postgres. Tiers are driven through their limits, a breaker trips, a
// policy changes live through one instance and the other enforces it; then it all stops by itself.
import { randomBytes } from 'node:crypto';
import Table from 'cli-table3';
import pc from 'picocolors';
import { deleteByPrefix, type LabContext } from '../../harness/context';
import { UsageError } from '../../harness/usage-error';
import { demoRoutes, type GatewayConfigInput } from './src/config';
import { DEFAULT_RULES, DEFAULT_TIERS } from './src/defaults';
import { startDownstreams } from './src/downstream';
import { startGatewayProcess } from './src/processes';
import { PolicyStore } from './src/store';

const say = (s: string) => console.log(`\n${pc.bold(pc.cyan('▸'))} ${s}`);

export async function runDemo(ctx: LabContext, argv: string[]): Promise<void> {
  if (argv.length) throw new UsageError(`unknown argument "${argv[0]}"; try: npm run lab 5.3.B, or npm run lab 5.3.B -- serve`);
  const prefix = `${ctx.prefix}demo-${randomBytes(3).toString('hex')}:`;
  const adminKey = randomBytes(24).toString('base64url');
  const downstreams = await startDownstreams(['orders', 'search', 'payments']);
  const store = new PolicyStore(ctx.pg);
  await store.migrate();
  // A known starting point whatever earlier runs changed (each change is audited as the demo's).
  for (const t of DEFAULT_TIERS) await store.putTier('demo', t);
  for (const r of DEFAULT_RULES) await store.putRule('demo', r);
  await store.putSettings('demo', { shadow: false });
  const config: GatewayConfigInput = {
    downstreams: downstreams.map((d) => ({ name: d.name, url: d.url, timeoutMs: 1_000, ...(d.name === 'search' ? { fallback: { status: 200, body: { results: [], degraded: true } } } : {}) })),
    routes: demoRoutes(),
    adminKey,
    breaker: { minVolume: 5, failureThreshold: 0.5, coolDownMs: 3_000, halfOpenProbes: 1 },
  };
  const spec = { redisUrl: ctx.services.redis.url, postgresUrl: ctx.services.postgres.url, schema: ctx.schema, prefix, config };
  const [a, b] = await Promise.all([startGatewayProcess(spec, 'error'), startGatewayProcess(spec, 'error')]);
  const adm = async (url: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${adminKey}`, 'x-actor': 'demo', ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return (await res.json()) as any;
  };
  try {
    console.log(`${pc.bold('Lab 5.3.B — policy gateway')}\n  downstreams: ${downstreams.map((d) => `${d.name} ${d.url}`).join(', ')}\n  gateway A ${a.url} (${a.id}), gateway B ${b.url} (${b.id})`);
    const free = await adm(a.url, 'POST', '/admin/keys', { tenant: 'bob', tier: 'free', label: 'demo' });
    const pro = await adm(a.url, 'POST', '/admin/keys', { tenant: 'acme', tier: 'pro', label: 'demo' });
    await waitVersion(b.url, adminKey, pro.version);

    say('Tiers through their limits: 15 requests at once to GET /orders/1, alternating gateway A and B');
    const table = new Table({ head: ['tier', 'limits', 'allowed', '429', 'RateLimit after the last'] });
    let firstDenial: Response | undefined;
    for (const [tier, key] of [['anonymous', undefined], ['free', free.key], ['pro', pro.key]] as const) {
      const results = await Promise.all(Array.from({ length: 15 }, (_, i) => fetch(`${i % 2 ? b.url : a.url}/orders/1`, { headers: key ? { 'x-api-key': key } : {} })));
      const t = DEFAULT_TIERS.find((x) => x.name === tier)!;
      const last = results.filter((r) => r.status === 200).at(-1);
      if (tier === 'free') firstDenial = results.find((r) => r.status === 429);
      table.push([tier, t.limits.map((l) => `${l.limit}/${l.window}${l.burst ? ` burst ${l.burst}` : ''}`).join(', '), results.filter((r) => r.status === 200).length, results.filter((r) => r.status === 429).length, last?.headers.get('ratelimit') ?? '']);
    }
    console.log(table.toString());
    console.log('  (a burst drains the bucket at once; the few extra allowed are tokens refilled while the 15 were in flight)');
    if (firstDenial) {
      console.log(`  a free key's refusal: ${firstDenial.status}, Retry-After ${firstDenial.headers.get('retry-after')}, ${firstDenial.headers.get('content-type')}`);
      console.log(pc.dim(`  ${JSON.stringify(await firstDenial.json())}`));
    }

    say('The search rule costs 2 units and has its own 5/second limit (pro key, 8 requests)');
    const searches = await Promise.all(Array.from({ length: 8 }, () => fetch(`${a.url}/search?q=redis`, { headers: { 'x-api-key': pro.key } })));
    console.log(`  ${searches.map((r) => r.status).join(' ')}  ← the rule's bucket holds 5 units: two requests of cost 2, then 429`);

    say('payments starts failing: the breaker opens on both instances');
    const payments = downstreams.find((d) => d.name === 'payments')!;
    await payments.configure({ failureRate: 1 });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await fetch(`${i % 2 ? b.url : a.url}/payments`, { method: 'POST', headers: { 'x-api-key': pro.key } })).status);
    console.log(`  statuses: ${statuses.join(' ')}  (500 = the downstream's failure passed through, 503 = circuit open)`);
    const open = await fetch(`${b.url}/payments`, { method: 'POST', headers: { 'x-api-key': pro.key } });
    console.log(`  B now answers ${open.status} ${((await open.json()) as { type: string }).type}, Retry-After ${open.headers.get('retry-after')}; downstream saw ${(await payments.stats()).requests} calls`);
    await payments.configure({ failureRate: 0 });
    await adm(a.url, 'POST', '/admin/breakers/payments', { action: 'reset' });
    console.log(`  downstream healthy again, breaker reset by the admin API: ${(await fetch(`${b.url}/payments`, { method: 'POST', headers: { 'x-api-key': pro.key } })).status}`);

    say('A policy changes live: the free tier drops to 1 request/second (burst 1), written through A');
    const started = performance.now();
    const change = await adm(a.url, 'PUT', '/admin/tiers/free', { name: 'free', limits: [{ window: 'second', limit: 1, burst: 1 }], upgradeHint: 'upgrade to pro' });
    await waitVersion(b.url, adminKey, change.version);
    console.log(`  B runs version ${change.version} after ${(performance.now() - started).toFixed(0)} ms (pub/sub; a 250 ms version check is the backstop)`);
    const newFree = await adm(a.url, 'POST', '/admin/keys', { tenant: 'carol', tier: 'free' });
    await waitVersion(b.url, adminKey, newFree.version);
    const after = await Promise.all(Array.from({ length: 3 }, () => fetch(`${b.url}/orders/2`, { headers: { 'x-api-key': newFree.key } })));
    console.log(`  a new free key on B: ${after.map((r) => r.status).join(' ')}  RateLimit-Policy: ${after[0]!.headers.get('ratelimit-policy')}`);
    const [audit] = await adm(a.url, 'GET', '/admin/audit?limit=3');
    console.log(pc.dim(`  audit: ${audit.actor} ${audit.action} ${audit.entity} ${audit.entityId} v${audit.version}`));
    const dry = await adm(a.url, 'POST', '/admin/dry-run', { tier: { name: 'pro', limits: [{ window: 'minute', limit: 5 }] }, minutes: 60 });
    console.log(`  dry-run "pro: 5/minute" over the ${dry.events} recorded decisions: allowed ${dry.current.allowed} → ${dry.proposed.allowed}`);
    await new Promise((r) => setTimeout(r, 400)); // one analytics flush
    const stats = await adm(a.url, 'GET', '/admin/analytics');
    console.log(`  top consumers this minute: ${stats.top.map((t: { identity: string; value: number }) => `${t.identity} ${t.value}`).join(', ')}`);
    console.log(`\nDashboard: ${pc.cyan('npm run lab 5.3.B -- serve')} prints its URL and an admin key.`);
  } finally {
    // Leave the default policies for `serve` (the live change was the demo's, not yours).
    await store.putTier('demo', DEFAULT_TIERS.find((t) => t.name === 'free')!).catch(() => {});
    await Promise.all([a.stop(), b.stop()]);
    await Promise.all(downstreams.map((d) => d.stop()));
    await deleteByPrefix(ctx.redis, prefix);
  }
}

async function waitVersion(url: string, adminKey: string, version: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${url}/admin/instances`, { headers: { authorization: `Bearer ${adminKey}` } });
    if (((await res.json()) as { self: { version: number } }).self.version >= version) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`instance ${url} did not reach version ${version}`);
}
