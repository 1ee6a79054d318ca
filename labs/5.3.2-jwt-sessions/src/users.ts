// Users live in Postgres (durable, unique emails); only sessions live in Redis. Passwords are hashed
// with scrypt by the shared module (whole password, off the event loop); a bcrypt hash from before is
// still accepted once and replaced by a scrypt hash on that login.
import type pg from 'pg';
import { ConflictError } from '../../../shared/errors';
import { DEFAULT_SCRYPT, hashPassword, verifyDummy, verifyPassword, type ScryptParams } from '../../../shared/password';

export async function migrateUsers(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    email text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
  )`);
}

export async function registerUser(pool: pg.Pool, email: string, password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<{ id: string; email: string }> {
  const hash = await hashPassword(password, params);
  try {
    const { rows } = await pool.query<{ id: string }>('INSERT INTO users (email, password_hash) VALUES ($1, $2) RETURNING id', [email.toLowerCase(), hash]);
    return { id: String(rows[0]!.id), email: email.toLowerCase() };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new ConflictError('this email is already registered');
    throw err;
  }
}

/**
 * The user id if the password matches, else undefined. An unknown email costs one hash of the same
 * cost (no user enumeration by timing). A match on an old hash (bcrypt, or a lower scrypt cost) stores
 * a fresh one; only if the row still holds the hash that was checked (a concurrent change wins).
 */
export async function checkCredentials(pool: pg.Pool, email: string, password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string | undefined> {
  const { rows } = await pool.query<{ id: string; password_hash: string }>('SELECT id, password_hash FROM users WHERE email = $1', [email.toLowerCase()]);
  const row = rows[0];
  if (!row) return verifyDummy(password, params).then(() => undefined);
  const { ok, needsRehash } = await verifyPassword(password, row.password_hash, params);
  if (!ok) return undefined;
  if (needsRehash) {
    await pool.query('UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3', [await hashPassword(password, params), row.id, row.password_hash]);
  }
  return String(row.id);
}
