// Browse and search books (GET /books): the filter a client may send, its one normalized form (the
// cache key, so "Gold  river" and "river gold" share an entry), the sort orders with their keyset
// cursors, and the SQL that reads one page. Every sort has its own index (schema.ts), so a page is an
// index range scan at any depth; search is Postgres full-text search over title + author name.
import { ValidationError } from '../../shared/errors';
import type { Genre } from './schema';

export const BOOK_SORTS = ['popular', 'top-rated', 'newest', 'title'] as const;
export type BookSort = (typeof BOOK_SORTS)[number];

/** Search terms a query may hold: bounds the tsquery Postgres has to match. */
export const MAX_SEARCH_TERMS = 8;

export interface BookListFilter {
  q?: string;
  genre?: Genre;
  yearFrom?: number;
  yearTo?: number;
  sort: BookSort;
  limit: number;
}

/** The same Bayesian score as ranking.ts (prior weight 10, mean 3.5), unrounded; schema.ts indexes this expression. */
export const BOOK_SCORE = '((b.rating_sum + 35.0) / (b.review_count + 10))';

/** Each sort: the key it orders by (then id, the tie-break) and the direction. */
const ORDER: Record<BookSort, { expr: string; cast: string; desc: boolean }> = {
  popular: { expr: 'b.review_count', cast: 'int', desc: true },
  'top-rated': { expr: BOOK_SCORE, cast: 'numeric', desc: true },
  newest: { expr: 'b.published_year', cast: 'int', desc: true },
  title: { expr: 'b.title', cast: 'text', desc: false },
};

/** Lower-cased words (letters and digits only, so nothing reaches tsquery syntax), deduplicated and sorted. */
export function searchTerms(q: string | undefined): string[] {
  if (q === undefined || q.trim() === '') return [];
  const words = [...new Set(q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])].sort();
  if (!words.length) throw new ValidationError('q has no searchable words (letters or digits)');
  if (words.length > MAX_SEARCH_TERMS) throw new ValidationError(`q may hold at most ${MAX_SEARCH_TERMS} words`);
  return words;
}

/** The one canonical form of a filter: equal for queries that must return the same page. */
export function normalizeFilter(f: BookListFilter): string {
  if (f.yearFrom !== undefined && f.yearTo !== undefined && f.yearFrom > f.yearTo) throw new ValidationError('yearFrom is after yearTo');
  return JSON.stringify([searchTerms(f.q).join(' '), f.genre ?? '', f.yearFrom ?? '', f.yearTo ?? '', f.sort, f.limit]);
}

export interface BookListCursor {
  /** The sort the cursor was made for (a cursor of another sort is refused). */
  s: BookSort;
  /** The last row's sort key, as Postgres printed it (exact round trip, numeric included). */
  v: string;
  id: number;
}

export function encodeBookCursor(c: BookListCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeBookCursor(cursor: string, sort: BookSort): BookListCursor {
  let c: Partial<BookListCursor>;
  try {
    c = JSON.parse(Buffer.from(cursor, 'base64url').toString());
  } catch {
    throw new ValidationError('cursor is not one this API returned');
  }
  if (!c || typeof c.v !== 'string' || c.v.length > 200 || !Number.isSafeInteger(c.id) || (c.id as number) < 1) throw new ValidationError('cursor is not one this API returned');
  if (c.s !== sort) throw new ValidationError('cursor belongs to another sort order');
  if (ORDER[sort].cast !== 'text' && !/^-?\d{1,20}(\.\d{1,40})?$/.test(c.v)) throw new ValidationError('cursor is not one this API returned');
  return c as BookListCursor;
}

/** The SQL of one page (limit + 1 rows: the extra one says whether there is a next page). */
export function bookListSql(f: BookListFilter, after: BookListCursor | undefined): { text: string; values: unknown[]; sortKey: string } {
  const values: unknown[] = [];
  const where: string[] = [];
  const param = (v: unknown) => `$${values.push(v)}`;
  const terms = searchTerms(f.q);
  // Prefix match on every word ("gold riv" finds "The Golden River"); the words are letters/digits only.
  if (terms.length) where.push(`b.search @@ to_tsquery('simple', ${param(terms.map((t) => `${t}:*`).join(' & '))})`);
  if (f.genre) where.push(`b.genre = ${param(f.genre)}`);
  if (f.yearFrom !== undefined) where.push(`b.published_year >= ${param(f.yearFrom)}`);
  if (f.yearTo !== undefined) where.push(`b.published_year <= ${param(f.yearTo)}`);
  const o = ORDER[f.sort];
  const dir = o.desc ? 'DESC' : 'ASC';
  if (after) where.push(`(${o.expr}, b.id) ${o.desc ? '<' : '>'} (${param(after.v)}::${o.cast}, ${param(after.id)}::bigint)`);
  const text = `SELECT b.id, b.title, b.published_year, b.genre, b.review_count, b.rating_sum, b.summary_version, a.id AS author_id, a.name AS author_name, (${o.expr})::text AS sort_key
      FROM books b JOIN authors a ON a.id = b.author_id
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY ${o.expr} ${dir}, b.id ${dir} LIMIT ${param(f.limit + 1)}`;
  return { text, values, sortKey: o.expr };
}
