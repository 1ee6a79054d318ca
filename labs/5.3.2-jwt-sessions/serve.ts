// `npm run lab 5.3.2 -- serve --port 3000`: the auth API, with index cleanup running beside it.
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { createSessionApp } from './src/app';
import { secretFromEnv, usingDevSecret } from './src/tokens';

export async function serveSessions(ctx: LabContext): Promise<ServeResult> {
  if (usingDevSecret()) ctx.log.warn('JWT_SECRET is not set: using a random development secret (tokens end with this process)');
  const served = await createSessionApp({
    redis: ctx.redis,
    pg: ctx.pg,
    keys: ctx.keys,
    log: ctx.log,
    secret: secretFromEnv(),
    // The subscriber is a serving client too: its state changes are logged once, never "Unhandled error event".
    cleanup: { log: ctx.log, subscriber: () => ctx.newRedis() },
  });
  return { app: served.app, close: served.close };
}
