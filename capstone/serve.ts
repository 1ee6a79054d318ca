// `npm run lab capstone -- serve [--port 3000]`: the book review API for curl and Swagger UI (/docs).
// Seeds the full catalogue on first run (or `-- serve --small`). Admin routes need CAPSTONE_ADMIN_KEY.
import type { LabContext } from '../harness/context';
import type { ServeResult } from '../harness/define-lab';
import { parseArgsOrUsage } from '../harness/usage-error';
import { ensureSeeded, launch } from './src/launch';
import { FULL_SEED, SMALL_SEED } from './src/seed';

export async function serveCapstone(ctx: LabContext, argv: string[]): Promise<ServeResult> {
  const { values } = parseArgsOrUsage({ args: argv, options: { small: { type: 'boolean' }, port: { type: 'string' } }, strict: true, allowPositionals: false }, 'Usage: npm run lab capstone -- serve [--port N] [--small]');
  await ensureSeeded(ctx, values.small ? SMALL_SEED : FULL_SEED);
  const launched = await launch(ctx);
  await launched.service.boards.rebuild(launched.service.db);
  // The 500 most reviewed book pages, now and every minute (ttl is 5 min: they never go cold).
  launched.service.startWarming(500, 60_000);
  ctx.log.info(`metadata service on ${launched.metadata.url}; try GET /books?q=golden, /books/1, /users/1, /authors/1, /leaderboards/top-reviewers, /docs`);
  if (!process.env.CAPSTONE_ADMIN_KEY) ctx.log.info('CAPSTONE_ADMIN_KEY is not set: /admin routes answer 403');
  return { app: launched.app, close: () => launched.close() };
}
