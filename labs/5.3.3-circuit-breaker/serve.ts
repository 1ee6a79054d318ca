// `npm run lab 5.3.3 -- serve`: the gateway whose /checkout calls the payments service through breaker "payments".
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { createGateway } from './src/app';
import { breakerRedisOptions } from './src/breaker';

export async function serve(ctx: LabContext): Promise<ServeResult> {
  const adminKey = process.env.CB_ADMIN_KEY ?? 'dev-admin-key';
  const viewerKey = process.env.CB_VIEWER_KEY ?? 'dev-viewer-key';
  const gateway = createGateway({
    redis: ctx.newRedis(breakerRedisOptions),
    subscriber: ctx.newRedis(),
    keys: ctx.keys,
    log: ctx.log,
    apiKeys: { [adminKey]: 'admin', [viewerKey]: 'viewer' },
    breaker: { minVolume: 10, coolDownMs: 5_000, halfOpenProbes: 3, webhookUrl: process.env.CB_WEBHOOK_URL },
  });
  ctx.log.info('GET /checkout calls /downstream/pay through breaker "payments"; POST /downstream/admin/behaviour {"failureRate":1} makes it sick');
  ctx.log.info(`admin: GET /admin/breakers/payments, POST /admin/breakers/payments/{open,close,reset} with "x-api-key: ${adminKey}" (viewer key: ${viewerKey}; CB_ADMIN_KEY / CB_VIEWER_KEY change them)`);
  return { app: gateway.app, close: gateway.close };
}
