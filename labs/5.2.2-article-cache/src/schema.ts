// The lab's tables. They are created bare (no indexes, no keys) so COPY only appends rows; the
// primary keys and indexes are built once, after the load, which is several times faster than keeping
// them up to date row by row.
import type pg from 'pg';

export interface SchemaOptions {
  /**
   * UNLOGGED tables skip the write-ahead log: the load writes every byte once instead of twice. The
   * price: after a Postgres crash they come back empty. Fine for lab data you can reseed; never for
   * data you cannot lose.
   */
  unlogged?: boolean;
}

export async function createTables(pool: pg.Pool, opts: SchemaOptions = {}): Promise<void> {
  const kind = opts.unlogged === false ? 'TABLE' : 'UNLOGGED TABLE';
  await pool.query(`
    DROP TABLE IF EXISTS comments, articles, authors, seed_info;
    CREATE ${kind} authors (
      id    integer NOT NULL,
      name  text    NOT NULL,
      email text    NOT NULL
    );
    CREATE ${kind} articles (
      id           integer     NOT NULL,
      author_id    integer     NOT NULL,
      title        text        NOT NULL,
      body         text        NOT NULL,
      tags         text[]      NOT NULL DEFAULT '{}',
      published_at timestamptz NOT NULL,
      updated_at   timestamptz NOT NULL DEFAULT now()
    );
    CREATE ${kind} comments (
      id         integer     NOT NULL,
      article_id integer     NOT NULL,
      author_id  integer     NOT NULL,
      body       text        NOT NULL,
      created_at timestamptz NOT NULL
    );
    CREATE TABLE seed_info (articles integer NOT NULL, comments integer NOT NULL, seeded_at timestamptz NOT NULL);
  `);
}

/**
 * Keys and indexes, built after the load. One chain of statements per table, run on separate
 * connections at the same time (statements on one table would only wait for each other's locks).
 */
export const INDEX_DDL: Record<string, string[]> = {
  authors: ['ALTER TABLE authors ADD PRIMARY KEY (id)'],
  articles: [
    'ALTER TABLE articles ADD PRIMARY KEY (id)',
    // GET /articles?author=… newest first: the index already holds the order, so a page is a range read.
    'CREATE INDEX articles_author_published ON articles (author_id, published_at DESC, id DESC)',
    // GET /articles (and ?tag=…, filtered while walking the newest-first order).
    'CREATE INDEX articles_published ON articles (published_at DESC, id DESC)',
    // tags @> ARRAY[…]: a GIN index answers "which articles carry this tag".
    'CREATE INDEX articles_tags ON articles USING gin (tags)',
  ],
  comments: [
    'ALTER TABLE comments ADD PRIMARY KEY (id)',
    // comment counts per article, and the join of the "most commented" aggregate.
    'CREATE INDEX comments_article ON comments (article_id)',
    'CREATE INDEX comments_created ON comments (created_at)',
  ],
};

/**
 * Foreign keys added NOT VALID: enforced for every future write, but the rows just loaded (which the
 * generator made consistent) are not re-checked, which would cost a full join of both tables.
 */
export const FOREIGN_KEYS = [
  'ALTER TABLE articles ADD CONSTRAINT articles_author_fk FOREIGN KEY (author_id) REFERENCES authors (id) NOT VALID',
  'ALTER TABLE comments ADD CONSTRAINT comments_article_fk FOREIGN KEY (article_id) REFERENCES articles (id) NOT VALID',
];

export async function buildIndexes(pool: pg.Pool): Promise<void> {
  await Promise.all(
    Object.values(INDEX_DDL).map(async (statements) => {
      const client = await pool.connect();
      try {
        await client.query(`SET maintenance_work_mem = '256MB'`);
        for (const sql of statements) await client.query(sql);
      } finally {
        client.release();
      }
    }),
  );
  for (const sql of FOREIGN_KEYS) await pool.query(sql);
  await pool.query('ANALYZE authors, articles, comments');
}
