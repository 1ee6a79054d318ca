// What demo, serve and bench share: seed when needed, start the metadata service, build the service
// and its HTTP app on a context's serving Redis client.
import type { RedisClient } from '../../shared/redis-client';
import type { LabContext } from '../../harness/context';
import { progressBar } from '../../harness/progress';
import { createBookApp, type AppOptions } from './app';
import { startMetadataService, type MetadataService } from './metadata-service';
import { isSeeded } from './schema';
import { seedCatalogue, type SeedSize } from './seed';
import { createBookService, type BookService, type BookServiceOptions } from './service';

export interface Launched {
  service: BookService;
  app: ReturnType<typeof createBookApp>;
  metadata: MetadataService;
  close(): Promise<void>;
}

export async function ensureSeeded(ctx: LabContext, size: SeedSize, force = false): Promise<boolean> {
  if (!force && (await isSeeded(ctx.pg))) return false;
  const r = await seedCatalogue(ctx.pg, { size, progress: progressBar });
  ctx.log.info(`seeded ${r.books.toLocaleString('en-US')} books, ${r.reviews.toLocaleString('en-US')} reviews, ${r.votes.toLocaleString('en-US')} votes, ${r.users.toLocaleString('en-US')} users in ${(r.ms / 1000).toFixed(1)} s (COPY, then indexes)`);
  return true;
}

export async function launch(
  ctx: LabContext,
  opts: { redis?: RedisClient; service?: Partial<BookServiceOptions>; app?: Partial<AppOptions>; metadata?: MetadataService } = {},
): Promise<Launched> {
  const redis = opts.redis ?? ctx.redis;
  const metadata = opts.metadata ?? (await startMetadataService());
  const service = await createBookService({ pool: ctx.pg, redis, keys: ctx.keys, log: ctx.log, metadataUrl: metadata.url, sessionSecret: process.env.JWT_SECRET, ...opts.service });
  const app = createBookApp({ service, redis, keys: ctx.keys, adminKey: process.env.CAPSTONE_ADMIN_KEY, metadataBehaviour: metadata.behaviour, ...opts.app });
  return {
    service,
    app,
    metadata,
    async close() {
      await service.close();
      if (!opts.metadata) await metadata.close();
    },
  };
}
