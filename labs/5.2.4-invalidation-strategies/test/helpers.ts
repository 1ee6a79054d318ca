import { createTestContext, type LabContext } from '../../../harness/context';
import { seedCatalog } from '../src/catalog';
import { deploy, type Deployment } from '../src/deployment';
import { strategyByName } from '../src/registry';
import type { StrategyDeps } from '../src/strategy';

/** A clock a test moves by hand. */
export function manualClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

export interface Lab {
  ctx: LabContext;
  /** A fresh deployment of a strategy in its own namespace; closed after the test file. */
  deploy(name: string, base?: Partial<StrategyDeps>): Deployment;
  dispose(): Promise<void>;
}

let namespaces = 0;

export async function openLab(products = 40): Promise<Lab> {
  const ctx = await createTestContext('5.2.4');
  await seedCatalog(ctx.pg, products);
  const deployments: Deployment[] = [];
  return {
    ctx,
    deploy(name, base) {
      const d = deploy(ctx, strategyByName(name), `${name}-${++namespaces}`, base);
      deployments.push(d);
      return d;
    },
    async dispose() {
      for (const d of deployments) await d.close();
      await ctx.dispose();
    },
  };
}

export async function dbPrice(ctx: LabContext, id: number): Promise<number> {
  const { rows } = await ctx.pg.query<{ price_cents: number }>('SELECT price_cents FROM products WHERE id = $1', [id]);
  return rows[0]!.price_cents;
}

/** Changes a row behind every cache's back (a migration, a bulk job, another service). */
export async function updateBehindTheCache(ctx: LabContext, id: number, priceCents: number): Promise<void> {
  await ctx.pg.query('UPDATE products SET price_cents = $2, version = version + 1 WHERE id = $1', [id, priceCents]);
}
