// `npm run lab 5.3.B -- serve [--port 3000]`: one gateway instance in front of the three demo
// downstreams (forked), with the default policies; prints the dashboard URL, the admin key and two
// API keys. GATEWAY_ADMIN_KEY sets the admin key (else a fresh one per start).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { demoRoutes } from './src/config';
import { DEFAULT_RULES, DEFAULT_TIERS } from './src/defaults';
import { startDownstreams } from './src/downstream';
import { createGateway } from './src/gateway';

export async function serveGateway(ctx: LabContext, argv: string[]): Promise<ServeResult> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string', default: '3000' } }, strict: false });
  const adminKey = process.env.GATEWAY_ADMIN_KEY ?? randomBytes(24).toString('base64url');
  const downstreams = await startDownstreams(['orders', 'search', 'payments']);
  const gateway = await createGateway({
    config: { downstreams: downstreams.map((d) => ({ name: d.name, url: d.url })), routes: demoRoutes(), adminKey },
    redis: ctx.redis,
    newRedis: (options) => ctx.newRedis(options),
    pool: ctx.pg,
    keys: ctx.keys,
    log: ctx.log,
  });
  await gateway.store.seedDefaults(DEFAULT_TIERS, DEFAULT_RULES);
  const free = await gateway.store.createKey('serve', { tenant: 'demo-free', tier: 'free', label: 'serve' });
  const pro = await gateway.store.createKey('serve', { tenant: 'demo-pro', tier: 'pro', label: 'serve' });
  // Printed once to the terminal that started it (never to the logs).
  console.log(`dashboard: http://127.0.0.1:${values.port}/dashboard   admin key: ${adminKey}`);
  console.log(`API keys: free ${free.key}   pro ${pro.key}`);
  console.log(`try: curl -i -H 'x-api-key: ${free.key}' http://127.0.0.1:${values.port}/orders/1   (admin API docs: /docs)`);
  return {
    app: gateway.app,
    close: async () => {
      await gateway.close();
      await Promise.all(downstreams.map((d) => d.stop()));
    },
  };
}
