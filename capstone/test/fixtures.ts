// One seeded capstone per test file: own Postgres schema and key prefix (createTestContext), a serving
// Redis client, the metadata service on a free port, the app listening on another.
import type { RedisClient } from '../../shared/redis-client';
import type pg from 'pg';
import { createTestContext, type LabContext } from '../../harness/context';
import { waitFor } from '../../harness/ports';
import { listen, type Listening } from '../../shared/http';
import { CACHE_POLICIES, freshness } from '../src/cache-policy';
import { createBookApp, type AppOptions } from '../src/app';
import { startMetadataService, type MetadataService } from '../src/metadata-service';
import { SEED_PASSWORD, seedCatalogue, SMALL_SEED, type SeedResult, type SeedSize } from '../src/seed';
import { createBookService, type BookService, type BookServiceOptions } from '../src/service';
import { TEST_SCRYPT } from '../../shared/password';

export interface Capstone {
  ctx: LabContext;
  service: BookService;
  http: Listening;
  metadata: MetadataService;
  seed: SeedResult;
  clock: { now: number };
  /** fetch against the app, JSON in and out. */
  call(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: any; headers: Headers }>;
  /** Logs in seeded user n (reader<n>@example.test) and returns its access token. */
  login(n: number): Promise<string>;
  /** Waits until the book page's Redis entry is fresh again (after a STALE answer's background refresh). */
  waitForFresh(bookId: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface CapstoneOptions {
  size?: SeedSize;
  /** Another Redis (a private server for outage tests) instead of the context's. */
  redis?: RedisClient;
  /** Build the whole context on this Redis or Redis Cluster URL (a failover drill's private cluster). */
  redisUrl?: string;
  app?: Partial<AppOptions>;
  service?: Partial<BookServiceOptions>;
  /** The pool the service uses (default the context's); seeding always uses the context's. */
  pool?: (ctx: LabContext) => pg.Pool;
  /** Runs after the context exists, before anything else (e.g. start a proxy). */
  before?: (ctx: LabContext) => Promise<void>;
}

export async function startCapstone(opts: CapstoneOptions = {}): Promise<Capstone> {
  const ctx = await createTestContext('capstone', { serving: true, ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}) });
  await opts.before?.(ctx);
  const clock = { now: Date.now() };
  const now = () => clock.now;
  const seed = await seedCatalogue(ctx.pg, { size: opts.size ?? SMALL_SEED, now: clock.now });
  const metadata = await startMetadataService({}, () => 0.5);
  const redis = opts.redis ?? ctx.redis;
  const service = await createBookService({ pool: opts.pool?.(ctx) ?? ctx.pg, redis, keys: ctx.keys, log: ctx.log, metadataUrl: metadata.url, now, passwordParams: TEST_SCRYPT, sessionSecret: 'x'.repeat(32), ...opts.service });
  await service.boards.rebuild(service.db);
  const app = createBookApp({ service, redis, keys: ctx.keys, now, adminKey: 'test-admin-key', metadataBehaviour: metadata.behaviour, ...opts.app });
  const http = await listen(app);
  const call: Capstone['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${http.url}${path}`, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  const login = async (n: number) => {
    const r = await call('POST', '/auth/login', { body: { email: `reader${n}@example.test`, password: SEED_PASSWORD } });
    if (r.status !== 200) throw new Error(`login failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.accessToken as string;
  };
  return {
    ctx,
    service,
    http,
    metadata,
    seed,
    clock,
    call,
    login,
    async waitForFresh(bookId) {
      await waitFor(async () => {
        const e = await service.cache.peek(service.keys.bookPage(bookId));
        return e !== undefined && freshness(CACHE_POLICIES.bookPage, e.at, clock.now) === 'fresh';
      }, { what: 'the background refresh' });
      return true;
    },
    async close() {
      await http.close();
      await service.close();
      await metadata.close();
      await ctx.dispose();
    },
  };
}
