// A "deployment" of one strategy: its own key namespace, a catalog with read counters, its workers and
// as many app instances as you like. The demo, the bench and the tests all set strategies up this way.
import type pg from 'pg';
import type { LabContext } from '../../../harness/context';
import { deleteMatching } from '../../../shared/redis-scan';
import { createCatalog, type Catalog } from './catalog';
import type { Strategy, StrategyDefinition, StrategyDeps, StrategyWorker } from './strategy';

export interface Deployment {
  def: StrategyDefinition;
  keys: LabContext['keys'];
  catalog: Catalog;
  /** One more app instance; `overrides` change its clock, TTL or cache version. */
  instance(overrides?: Partial<StrategyDeps>): Promise<Strategy>;
  /** Starts the strategy's worker (if it has one): in this process, or as its own process when offered. */
  startWorker(opts?: { separateProcess?: boolean }): Promise<StrategyWorker | undefined>;
  /** Closes every instance and worker it started. */
  close(): Promise<void>;
  /** Deletes every key of this namespace (all cache versions, tag sets, the write-behind queue). */
  clearKeys(): Promise<number>;
}

/** `pool` is the Postgres the app and its workers use (the bench passes one behind a latency proxy). */
export function deploy(ctx: LabContext, def: StrategyDefinition, namespace: string, base: Partial<StrategyDeps> = {}, pool: pg.Pool = ctx.pg): Deployment {
  const keys = ctx.keys.forLab(`${ctx.keys.lab}:${namespace}`);
  const catalog = createCatalog(pool);
  const open: Array<{ close(): Promise<void> }> = [];
  return {
    def,
    keys,
    catalog,
    async instance(overrides = {}) {
      const s = await def.create({ redis: ctx.redis, newRedis: () => ctx.newRedis(), keys, catalog, ...base, ...overrides });
      open.push(s);
      return s;
    },
    async startWorker(opts = {}) {
      if (!def.startWorker) return undefined;
      const w =
        opts.separateProcess && def.startWorkerProcess
          ? await def.startWorkerProcess(ctx.services.redis.url, keys)
          : await def.startWorker({ redis: ctx.redis, newRedis: () => ctx.newRedis(), keys, pool, durableReplicas: base.durableReplicas });
      open.push(w);
      return w;
    },
    async close() {
      for (const o of open.splice(0).reverse()) await o.close();
    },
    async clearKeys() {
      // SCAN on every master of a cluster; keys of different slots are unlinked one by one there.
      return deleteMatching(ctx.redis, keys.pattern());
    },
  };
}
