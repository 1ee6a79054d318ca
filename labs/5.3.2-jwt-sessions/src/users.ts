// Users live in Postgres (durable, unique emails); only sessions live in Redis.
import bcrypt from 'bcryptjs';
import type pg from 'pg';
import { ConflictError } from '../../../shared/errors';

export async function migrateUsers(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`);
}

export async function registerUser(pool: pg.Pool, email: string, password: string, rounds: number): Promise<{ id: string; email: string }> {
  const hash = await bcrypt.hash(password, rounds);
  try {
    const { rows } = await pool.query<{ id: string }>('INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id', [email.toLowerCase(), hash]);
    return { id: String(rows[0]!.id), email: email.toLowerCase() };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new ConflictError('this email is already registered');
    throw err;
  }
}

// Compared against when the email is unknown, so both paths cost one bcrypt compare of the same cost
// (no user enumeration by timing).
const dummyHashes = new Map<number, Promise<string>>();
const dummyHash = (rounds: number) => {
  let h = dummyHashes.get(rounds);
  if (!h) dummyHashes.set(rounds, (h = bcrypt.hash('not-a-real-password', rounds)));
  return h;
};

/** The user id if the password matches, else undefined. */
export async function checkCredentials(pool: pg.Pool, email: string, password: string, rounds: number): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string; password_hash: string }>('SELECT id, password_hash FROM users WHERE email = $1', [email.toLowerCase()]);
  const row = rows[0];
  const ok = await bcrypt.compare(password, row?.password_hash ?? (await dummyHash(rounds)));
  return ok && row ? String(row.id) : undefined;
}
