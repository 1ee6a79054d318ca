// `npm run lab 5.2.2 -- seed [--count 500000]`: authors, articles and comments streamed in with COPY.
// What makes it fast: rows are generated lazily and streamed (flat memory), authors, articles and
// comments load at the same time on three connections, the tables are UNLOGGED, and keys/indexes are built afterwards.
// Idempotent: a finished seed of the same size is kept; anything else is dropped and reloaded.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Progress } from '../../../harness/progress';
import { copyRows } from '../../../harness/seed/copy';
import { articleMeta, articleRows, authorRows, authorsFor, commentRows, type SeedShape } from './generate';
import { buildIndexes, createTables } from './schema';

export interface SeedOptions {
  count: number;
  /** Reload even when a seed of this size is already there. */
  force?: boolean;
  /** Seed clock (ms): articles are published over the two years before it. */
  now?: number;
  progress?: (label: string, total: number) => Progress;
  unlogged?: boolean;
}

export interface SeedResult {
  skipped: boolean;
  articles: number;
  comments: number;
  authors: number;
  /** Milliseconds spent loading rows and building indexes. */
  loadMs: number;
  indexMs: number;
}

export async function seededCount(pool: pg.Pool): Promise<{ articles: number; comments: number } | undefined> {
  const exists = await pool.query<{ t: string | null }>(`SELECT to_regclass('seed_info') AS t`);
  if (!exists.rows[0]?.t) return undefined;
  const { rows } = await pool.query<{ articles: number; comments: number }>('SELECT articles, comments FROM seed_info LIMIT 1');
  return rows[0];
}

export async function seed(pool: pg.Pool, opts: SeedOptions): Promise<SeedResult> {
  const shape: SeedShape = { articles: opts.count, authors: authorsFor(opts.count), now: opts.now ?? Date.now() };
  const existing = await seededCount(pool);
  if (existing && existing.articles === opts.count && !opts.force) {
    return { skipped: true, articles: existing.articles, comments: existing.comments, authors: shape.authors, loadMs: 0, indexMs: 0 };
  }

  // Counting comments first is cheap (no text is generated) and gives the progress bar its total.
  let expectedComments = 0;
  for (let id = 1; id <= shape.articles; id++) expectedComments += articleMeta(shape, id).comments;

  const t0 = performance.now();
  await createTables(pool, { unlogged: opts.unlogged });
  const bar = opts.progress?.('rows (articles + comments)', shape.articles + expectedComments);
  // The generator only emits words, digits and spaces, so the COPY lines are written as they are, with
  // no per-value escaping (harness copyRows escapes every value: safe for any data, twice the CPU here).
  const articles = (function* () {
    for (const a of articleRows(shape)) yield `${a.id}\t${a.authorId}\t${a.title}\t${a.body}\t{${a.tags.join(',')}}\t${a.publishedAt.toISOString()}\n`;
  })();
  const comments = (function* () {
    for (const [id, articleId, authorId, body, at] of commentRows(shape)) yield `${id}\t${articleId}\t${authorId}\t${body}\t${at.toISOString()}\n`;
  })();
  const [, nArticles, nComments] = await Promise.all([
    copyRows(pool, 'authors', ['id', 'name', 'email'], authorRows(shape)),
    copyLines(pool, 'articles (id, author_id, title, body, tags, published_at)', articles, bar),
    copyLines(pool, 'comments (id, article_id, author_id, body, created_at)', comments, bar),
  ]);
  bar?.stop();
  const t1 = performance.now();
  await buildIndexes(pool);
  await pool.query('INSERT INTO seed_info (articles, comments, seeded_at) VALUES ($1, $2, $3)', [nArticles, nComments, new Date(shape.now)]);
  const t2 = performance.now();
  return { skipped: false, articles: nArticles, comments: nComments, authors: shape.authors, loadMs: t1 - t0, indexMs: t2 - t1 };
}

/** Streams ready-made COPY text lines into `target`, 5,000 lines per chunk. Returns the line count. */
async function copyLines(pool: pg.Pool, target: string, lines: Iterable<string>, progress?: Progress): Promise<number> {
  const client = await pool.connect();
  let count = 0;
  try {
    const chunks = function* () {
      let chunk = '';
      for (const line of lines) {
        chunk += line;
        if (++count % 5000 === 0) {
          progress?.increment(5000);
          yield chunk;
          chunk = '';
        }
      }
      progress?.increment(count % 5000);
      if (chunk) yield chunk;
    };
    await pipeline(Readable.from(chunks()), client.query(copyFrom(`COPY ${target} FROM STDIN`)));
  } finally {
    client.release();
  }
  return count;
}
