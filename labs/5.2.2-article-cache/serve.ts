// `npm run lab 5.2.2 -- serve [--port 3000] [--l1]`: the article API over the seeded data.
import { parseArgs } from 'node:util';
import type { LabContext } from '../../harness/context';
import type { Express } from 'express';
import type { ServeResult } from '../../harness/define-lab';
import { cacheStore, ensureSeeded } from './demo';
import { createArticleApp } from './src/app';

export async function serveArticles(ctx: LabContext, argv: string[]): Promise<ServeResult & { app: Express; close(): Promise<void> }> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, l1: { type: 'boolean' } }, strict: false });
  await ensureSeeded(ctx);
  const store = await cacheStore(ctx, { l1: Boolean(values.l1) });
  return { app: createArticleApp(store), close: () => store.close() };
}
