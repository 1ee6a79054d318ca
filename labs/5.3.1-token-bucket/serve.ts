// `npm run lab 5.3.1 -- serve --port 3000`: the limited demo API on the real clock.
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { createLimitedApp } from './src/app';

export async function serveLimited(ctx: LabContext): Promise<ServeResult> {
  // Auto-pipelining: concurrent requests' EVALSHAs share a socket write (see the README's bench notes).
  // ctx.newRedis makes it the shared serving way (timeouts, no offline queue, state logged once).
  const redis = ctx.newRedis({ enableAutoPipelining: true });
  const configured = process.env.LIMITS_ADMIN_TOKEN || undefined;
  const served = createLimitedApp({ redis, keys: ctx.keys, legacyHeaders: true, log: ctx.log, adminToken: configured });
  if (!configured) ctx.log.warn(`LIMITS_ADMIN_TOKEN is not set: /limits/stats takes this generated token for this run: Bearer ${served.adminToken}`);
  return {
    app: served.app,
    close: async () => {
      await served.close();
      redis.disconnect();
    },
  };
}
