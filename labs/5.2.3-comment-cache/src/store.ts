// Postgres is the source of truth for comments. `listByPost` is the "expensive" load the cache
// protects; `loadDelayMs` adds pg_sleep to it so a stampede is visible on a fast local database.
import type pg from 'pg';

export interface Comment {
  id: number;
  postId: number;
  author: string;
  body: string;
  createdAt: string;
}

export interface NewComment {
  author: string;
  body: string;
}

export interface CommentStore {
  ensureSchema(): Promise<void>;
  insert(postId: number, c: NewComment): Promise<Comment>;
  /** One INSERT … SELECT FROM unnest(…) for many rows: one round trip, one transaction. */
  insertMany(rows: Array<NewComment & { postId: number }>): Promise<Comment[]>;
  listByPost(postId: number): Promise<Comment[]>;
}

const COLUMNS = `id::int AS "id", post_id AS "postId", author, body, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"`;

export function createCommentStore(pool: pg.Pool, opts: { loadDelayMs?: number } = {}): CommentStore {
  const delay = Math.max(0, opts.loadDelayMs ?? 0) / 1000;
  return {
    async ensureSchema() {
      await pool.query(`
        CREATE TABLE IF NOT EXISTS comments (
          id bigserial PRIMARY KEY,
          post_id int NOT NULL,
          author text NOT NULL,
          body text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS comments_post_id_idx ON comments (post_id, id);`);
    },
    async insert(postId, c) {
      const { rows } = await pool.query<Comment>(`INSERT INTO comments (post_id, author, body) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`, [postId, c.author, c.body]);
      return rows[0]!;
    },
    async insertMany(list) {
      if (!list.length) return [];
      const { rows } = await pool.query<Comment>(
        `INSERT INTO comments (post_id, author, body)
         SELECT * FROM unnest($1::int[], $2::text[], $3::text[])
         RETURNING ${COLUMNS}`,
        [list.map((r) => r.postId), list.map((r) => r.author), list.map((r) => r.body)],
      );
      return rows;
    },
    async listByPost(postId) {
      // A stand-in for an expensive query (joins, ranking, rendering): it holds a pool connection meanwhile.
      if (delay > 0) await pool.query('SELECT pg_sleep($1)', [delay]);
      const { rows } = await pool.query<Comment>(`SELECT ${COLUMNS} FROM comments WHERE post_id = $1 ORDER BY id`, [postId]);
      return rows;
    },
  };
}
