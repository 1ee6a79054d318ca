// `npm run lab 5.3.3 -- serve`: the gateway whose /checkout calls the payments service through breaker "payments".
import { randomBytes } from 'node:crypto';
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { createGateway } from './src/app';
import { breakerRedisOptions } from './src/breaker';

export async function serve(ctx: LabContext): Promise<ServeResult> {
  // Keys come from the environment; a missing one is generated for this run and said once. A configured
  // key is never printed.
  const generated: string[] = [];
  const keyFrom = (env: string, role: string) => {
    const configured = process.env[env];
    if (configured) return configured;
    const key = randomBytes(18).toString('base64url');
    generated.push(`${role} ${key}`);
    return key;
  };
  const adminKey = keyFrom('CB_ADMIN_KEY', 'admin');
  const viewerKey = keyFrom('CB_VIEWER_KEY', 'viewer');
  if (generated.length) ctx.log.warn(`no CB_ADMIN_KEY / CB_VIEWER_KEY set: generated keys for this run (x-api-key): ${generated.join(', ')}`);
  const gateway = createGateway({
    redis: ctx.newRedis(breakerRedisOptions),
    subscriber: ctx.newRedis(),
    keys: ctx.keys,
    log: ctx.log,
    apiKeys: { [adminKey]: 'admin', [viewerKey]: 'viewer' },
    // Where checkout sends payments: configuration only (default: the built-in flaky downstream).
    downstreamUrl: process.env.CB_PAYMENTS_URL || undefined,
    breaker: { minVolume: 10, coolDownMs: 5_000, halfOpenProbes: 3, webhookUrl: process.env.CB_WEBHOOK_URL },
  });
  ctx.log.info('GET /checkout calls payments through breaker "payments"; POST /downstream/admin/behaviour {"failureRate":1} (admin key) makes it sick');
  ctx.log.info('admin: GET /admin/breakers/payments (viewer or admin), POST /admin/breakers/payments/{open,close,reset} (admin), key in the x-api-key header');
  return { app: gateway.app, close: gateway.close };
}
