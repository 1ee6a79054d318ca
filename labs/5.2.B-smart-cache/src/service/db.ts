// The service's database: products and users in Postgres (the context's schema), a small seed, and
// the queries the cache sits in front of. price_cents is a BIGINT and comes back as a BigInt, and
// timestamps as Dates: exactly what a JSON-only cache would mangle.
import type pg from 'pg';

export interface Product {
  id: number;
  name: string;
  category: string;
  priceCents: bigint;
  updatedAt: Date;
}

export interface User {
  id: number;
  email: string;
  name: string;
  role: string;
  /** Never leaves the database layer through the cache (a sensitive field). */
  passwordHash: string;
  createdAt: Date;
}

export async function createTables(pool: pg.Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS products (
      id serial PRIMARY KEY, name text NOT NULL, category text NOT NULL,
      price_cents bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE INDEX IF NOT EXISTS products_category ON products (category, id);
    CREATE TABLE IF NOT EXISTS users (
      id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text NOT NULL, role text NOT NULL DEFAULT 'user',
      password_hash text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`);
}

export const CATEGORIES = ['books', 'games', 'music', 'tools'];

/** Inserts `products` products and `users` users if the tables are empty. */
export async function seed(pool: pg.Pool, counts = { products: 200, users: 20 }): Promise<void> {
  await createTables(pool);
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM products');
  if (Number(rows[0]!.n) > 0) return;
  await pool.query(
    `INSERT INTO products (name, category, price_cents)
     SELECT 'Product ' || g, ($2::text[])[1 + g % array_length($2::text[], 1)], 100 + (g * 37) % 9900 FROM generate_series(1, $1) g`,
    [counts.products, CATEGORIES],
  );
  await pool.query(
    `INSERT INTO users (email, name, role, password_hash)
     SELECT 'user' || g || '@example.com', 'User ' || g, CASE WHEN g = 1 THEN 'admin' ELSE 'user' END, '$2b$10$' || md5(g::text)
     FROM generate_series(1, $1) g`,
    [counts.users],
  );
}

const toProduct = (r: Record<string, unknown>): Product => ({
  id: r.id as number,
  name: r.name as string,
  category: r.category as string,
  priceCents: BigInt(r.price_cents as string),
  updatedAt: r.updated_at as Date,
});

export function createRepo(pool: pg.Pool) {
  return {
    async product(id: number): Promise<Product | undefined> {
      const { rows } = await pool.query('SELECT * FROM products WHERE id = $1', [id]);
      return rows[0] ? toProduct(rows[0]) : undefined;
    },
    async products(q: { category?: string; limit: number; offset: number }): Promise<Product[]> {
      const { rows } = await pool.query('SELECT * FROM products WHERE ($1::text IS NULL OR category = $1) ORDER BY id LIMIT $2 OFFSET $3', [q.category ?? null, q.limit, q.offset]);
      return rows.map(toProduct);
    },
    async setPrice(id: number, priceCents: bigint): Promise<Product | undefined> {
      const { rows } = await pool.query('UPDATE products SET price_cents = $2, updated_at = now() WHERE id = $1 RETURNING *', [id, priceCents.toString()]);
      return rows[0] ? toProduct(rows[0]) : undefined;
    },
    async user(id: number): Promise<User | undefined> {
      const { rows } = await pool.query('SELECT * FROM users WHERE id = $1', [id]);
      const r = rows[0];
      return r ? { id: r.id, email: r.email, name: r.name, role: r.role, passwordHash: r.password_hash, createdAt: r.created_at } : undefined;
    },
    async topProductIds(n: number): Promise<number[]> {
      const { rows } = await pool.query<{ id: number }>('SELECT id FROM products ORDER BY id LIMIT $1', [n]);
      return rows.map((r) => r.id);
    },
  };
}

export type Repo = ReturnType<typeof createRepo>;

/** What the API sends: BigInt as a number of cents, dates as ISO strings (express's JSON). */
export const productJson = (p: Product) => ({ id: p.id, name: p.name, category: p.category, priceCents: Number(p.priceCents), updatedAt: p.updatedAt });
/** What anyone may see of a user, and all the shared cache ever holds of one. */
export type PublicUser = Pick<User, 'id' | 'name' | 'createdAt'>;
export const publicUser = (u: PublicUser): PublicUser => ({ id: u.id, name: u.name, createdAt: u.createdAt });
/** The private view (email, role): for the user themself or an admin, never cached shared. */
export const userJson = (u: Omit<User, 'passwordHash'>) => ({ id: u.id, email: u.email, name: u.name, role: u.role, createdAt: u.createdAt });
