// The source of truth: a product table in Postgres. Every load is counted, so a strategy's cost shows
// up as "database reads" in the demo and the bench.
import type pg from 'pg';
import { NotFoundError } from '../../../shared/errors';
import { parseId, parsePatch, type Product, type ProductPatch } from './product';

export interface Catalog {
  readonly pool: pg.Pool;
  /** Counters since the last reset: loads (SELECTs by id) and updates. */
  readonly stats: { reads: number; writes: number };
  resetStats(): void;
  load(id: number): Promise<Product | undefined>;
  /** Applies a patch (version + 1) and returns the row before and after. */
  update(id: number, patch: ProductPatch): Promise<{ before: Product; after: Product }>;
}

const COLUMNS = 'id, name, category_id AS "categoryId", price_cents AS "priceCents", version';

/**
 * Creates the tables (idempotent). `write_behind_applied` is write-behind's idempotency ledger: one row
 * per stream entry applied, kept only until the entry is acked and trimmed (`Flusher.trim`).
 */
export async function setupCatalog(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS products (
      id          integer PRIMARY KEY,
      name        text    NOT NULL,
      category_id integer NOT NULL,
      price_cents integer NOT NULL CHECK (price_cents >= 0),
      version     integer NOT NULL DEFAULT 1
    );
    CREATE INDEX IF NOT EXISTS products_category ON products (category_id);
    CREATE TABLE IF NOT EXISTS write_behind_applied (
      stream     text NOT NULL,
      entry_id   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (stream, entry_id)
    );`);
}

/** Empties both tables and inserts `count` products; product i is in category ((i - 1) % 10) + 1. */
export async function seedCatalog(pool: pg.Pool, count: number): Promise<void> {
  // The ledger holds nothing a seed keeps: recreate it, so a database from an older version gets its shape.
  await pool.query('DROP TABLE IF EXISTS write_behind_applied');
  await setupCatalog(pool);
  await pool.query('TRUNCATE products, write_behind_applied');
  await pool.query(
    `INSERT INTO products (id, name, category_id, price_cents)
     SELECT i, 'Product ' || i, ((i - 1) % 10) + 1, 1000 + i FROM generate_series(1, $1::int) AS i`,
    [count],
  );
}

/**
 * Write-behind's update: the whole row at the version the write produced, only over an older version.
 * $1 id, $2 name, $3 category id, $4 price in cents, $5 version. Updates 0 rows when the row is newer.
 */
export const APPLY_ROW_IF_NEWER = `UPDATE products SET name = $2, category_id = $3, price_cents = $4, version = $5
  WHERE id = $1 AND version < $5`;

/** `SET ...` for a patch, parameters starting at $2 ($1 is the id). */
export function patchSql(patch: ProductPatch): { set: string; values: unknown[] } {
  const cols: Array<[keyof ProductPatch, string]> = [
    ['name', 'name'],
    ['categoryId', 'category_id'],
    ['priceCents', 'price_cents'],
  ];
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [field, column] of cols) {
    if (patch[field] === undefined) continue;
    values.push(patch[field]);
    sets.push(`${column} = $${values.length + 1}`);
  }
  sets.push('version = version + 1');
  return { set: sets.join(', '), values };
}

export function createCatalog(pool: pg.Pool): Catalog {
  const stats = { reads: 0, writes: 0 };
  return {
    pool,
    stats,
    resetStats() {
      stats.reads = 0;
      stats.writes = 0;
    },
    async load(id) {
      stats.reads++;
      const { rows } = await pool.query<Product>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [parseId(id)]);
      return rows[0];
    },
    async update(id, patch) {
      stats.writes++;
      const { set, values } = patchSql(parsePatch(patch));
      // The old row comes from a locked sub-select in the same statement, so "before" is exactly the row
      // this update replaced (tag invalidation needs the old category).
      const { rows } = await pool.query<Product & { beforeCategoryId: number; beforeName: string; beforePrice: number }>(
        `UPDATE products p SET ${set}
           FROM (SELECT id, name, category_id, price_cents FROM products WHERE id = $1 FOR UPDATE) old
          WHERE p.id = old.id
        RETURNING p.id, p.name, p.category_id AS "categoryId", p.price_cents AS "priceCents", p.version,
                  old.category_id AS "beforeCategoryId", old.name AS "beforeName", old.price_cents AS "beforePrice"`,
        [parseId(id), ...values],
      );
      const r = rows[0];
      if (!r) throw new NotFoundError(`product ${id} not found`);
      const after: Product = { id: r.id, name: r.name, categoryId: r.categoryId, priceCents: r.priceCents, version: r.version };
      const before: Product = { id: r.id, name: r.beforeName, categoryId: r.beforeCategoryId, priceCents: r.beforePrice, version: r.version - 1 };
      return { before, after };
    },
  };
}
