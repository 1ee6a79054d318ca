// Every SQL statement of the lab: the loaders the cache calls on a miss, and the transactional update.
// These are the "uncached" costs the bench compares a cache hit with.
import type { Db, Queryable } from './db';
import type {
  Article, ArticleField, ArticleList, ArticlePatch, ArticleSummary, PageBody, PageHeader, RelatedArticle, TopCommented,
} from './types';

export const PAGE_SIZE = 20;
export const RELATED_COUNT = 5;
export const TOP_COUNT = 10;
const DAY_MS = 86_400_000;

interface SummaryRow {
  id: number;
  title: string;
  tags: string[];
  published_at: Date;
  author_id: number;
  author_name: string;
}
const summary = (r: SummaryRow): ArticleSummary => ({
  id: r.id,
  title: r.title,
  tags: r.tags,
  publishedAt: r.published_at.toISOString(),
  author: { id: r.author_id, name: r.author_name },
});

/** The realistic read: the article, its author, its tags and its comment count, in one statement. */
export async function loadArticle(db: Queryable, id: number): Promise<Article | null> {
  const { rows } = await db.query<SummaryRow & { body: string; updated_at: Date; comment_count: number }>(
    `SELECT a.id, a.title, a.body, a.tags, a.published_at, a.updated_at,
            au.id AS author_id, au.name AS author_name,
            (SELECT count(*)::int FROM comments c WHERE c.article_id = a.id) AS comment_count
       FROM articles a JOIN authors au ON au.id = a.author_id
      WHERE a.id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { ...summary(r), body: r.body, updatedAt: r.updated_at.toISOString(), commentCount: r.comment_count } : null;
}

export async function loadHeader(db: Queryable, id: number): Promise<PageHeader | null> {
  const { rows } = await db.query<SummaryRow>(
    `SELECT a.id, a.title, a.tags, a.published_at, au.id AS author_id, au.name AS author_name
       FROM articles a JOIN authors au ON au.id = a.author_id WHERE a.id = $1`,
    [id],
  );
  return rows[0] ? summary(rows[0]) : null;
}

export async function loadBody(db: Queryable, id: number): Promise<PageBody | null> {
  const { rows } = await db.query<{ body: string; updated_at: Date }>('SELECT body, updated_at FROM articles WHERE id = $1', [id]);
  return rows[0] ? { body: rows[0].body, updatedAt: rows[0].updated_at.toISOString() } : null;
}

export async function loadCommentCount(db: Queryable, id: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM comments WHERE article_id = $1', [id]);
  return rows[0]?.n ?? 0;
}

/** The newest articles sharing a tag with this one. */
export async function loadRelated(db: Queryable, id: number): Promise<RelatedArticle[]> {
  const { rows } = await db.query<RelatedArticle>(
    `SELECT r.id, r.title
       FROM articles a
       CROSS JOIN LATERAL (
         SELECT id, title FROM articles r
          WHERE r.tags && a.tags AND r.id <> a.id
          ORDER BY r.published_at DESC, r.id DESC LIMIT ${RELATED_COUNT}) r
      WHERE a.id = $1`,
    [id],
  );
  return rows;
}

/** One page of the newest articles, optionally by one author and/or carrying one tag. */
export async function loadList(db: Queryable, q: { author?: number; tag?: string; page: number }): Promise<ArticleList> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (q.author !== undefined) where.push(`a.author_id = $${values.push(q.author)}`);
  if (q.tag !== undefined) where.push(`a.tags @> ARRAY[$${values.push(q.tag)}]::text[]`);
  values.push((q.page - 1) * PAGE_SIZE);
  const { rows } = await db.query<SummaryRow>(
    `SELECT a.id, a.title, a.tags, a.published_at, au.id AS author_id, au.name AS author_name
       FROM articles a JOIN authors au ON au.id = a.author_id
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY a.published_at DESC, a.id DESC
      LIMIT ${PAGE_SIZE} OFFSET $${values.length}`,
    values,
  );
  return { page: q.page, pageSize: PAGE_SIZE, items: rows.map(summary) };
}

/** The expensive aggregate: the most-commented articles of a tag over the last 30 days. */
export async function loadTopCommented(db: Queryable, tag: string, now: number): Promise<TopCommented> {
  const since = new Date(now - 30 * DAY_MS);
  const { rows } = await db.query<{ id: number; title: string; comments: number }>(
    `SELECT a.id, a.title, count(*)::int AS comments
       FROM comments c JOIN articles a ON a.id = c.article_id
      WHERE c.created_at >= $2 AND a.tags @> ARRAY[$1]::text[]
      GROUP BY a.id, a.title
      ORDER BY comments DESC, a.id
      LIMIT ${TOP_COUNT}`,
    [tag, since],
  );
  return { tag, since: since.toISOString(), items: rows };
}

const sameTags = (a: string[], b: string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

/**
 * Applies a patch in one transaction: lock the row, compare, update. Returns which fields really
 * changed (so the caller evicts exactly those cache entries), or null when the article does not exist.
 */
export async function updateArticleRow(db: Db, id: number, patch: ArticlePatch): Promise<{ changed: ArticleField[] } | null> {
  return db.transaction(async (q) => {
    const { rows } = await q.query<{ title: string; body: string; tags: string[] }>('SELECT title, body, tags FROM articles WHERE id = $1 FOR UPDATE', [id]);
    const old = rows[0];
    if (!old) return null;
    const changed: ArticleField[] = [];
    if (patch.title !== undefined && patch.title !== old.title) changed.push('title');
    if (patch.body !== undefined && patch.body !== old.body) changed.push('body');
    if (patch.tags !== undefined && !sameTags(patch.tags, old.tags)) changed.push('tags');
    if (changed.length) {
      await q.query('UPDATE articles SET title = $2, body = $3, tags = $4, updated_at = now() WHERE id = $1', [
        id,
        patch.title ?? old.title,
        patch.body ?? old.body,
        patch.tags ?? old.tags,
      ]);
    }
    return { changed };
  });
}
