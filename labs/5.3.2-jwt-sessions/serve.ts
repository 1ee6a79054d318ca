// `npm run lab 5.3.2 -- serve --port 3000`: the auth API, with index cleanup running beside it.
import type { LabContext } from '../../harness/context';
import type { ServeResult } from '../../harness/define-lab';
import { createSessionApp } from './src/app';

export async function serveSessions(ctx: LabContext): Promise<ServeResult> {
  const served = await createSessionApp({ redis: ctx.redis, pg: ctx.pg, keys: ctx.keys, log: ctx.log, cleanup: { log: ctx.log } });
  return { app: served.app, close: served.close };
}
