// `npm run lab 5.3.1 -- serve --port 3000`: the limited demo API on the real clock.
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { createLimitedApp } from './src/app';

export async function serveLimited(ctx: LabContext): Promise<ServeResult> {
  // Auto-pipelining: concurrent requests' EVALSHAs share a socket write (see the README's bench notes).
  const redis = ctx.redis.duplicate({ enableAutoPipelining: true });
  const served = createLimitedApp({ redis, keys: ctx.keys, legacyHeaders: true, log: ctx.log });
  return {
    app: served.app,
    close: async () => {
      await served.close();
      redis.disconnect();
    },
  };
}
