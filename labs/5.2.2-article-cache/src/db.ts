// A thin wrapper over the pg pool that counts every statement sent to Postgres, so tests (and
// /cache/stats) can prove a cache hit cost zero database queries.
import type pg from 'pg';

export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface Db extends Queryable {
  /** Runs `fn` inside BEGIN … COMMIT on one connection (ROLLBACK if it throws). */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Statements sent so far (transaction control included). */
  readonly queries: number;
}

export function createDb(pool: pg.Pool): Db {
  let queries = 0;
  const counted = (q: Queryable): Queryable => ({
    query: (text, values) => {
      queries++;
      return q.query(text, values);
    },
  });
  const direct = counted(pool);
  return {
    query: direct.query,
    async transaction(fn) {
      const client = await pool.connect();
      const q = counted(client);
      try {
        await q.query('BEGIN');
        const result = await fn(q);
        await q.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    get queries() {
      return queries;
    },
  };
}
