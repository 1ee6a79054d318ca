// Browse and search (GET /books): filters, the four sort orders, keyset pagination that visits every
// matching book once, validation, and the bookList cache (first pages only, keyed by the normalized
// filter, a bounded number of distinct queries).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PAGES_PER_INDEX } from '../src/cache';
import { GENRES } from '../src/schema';
import { startCapstone, type Capstone } from './fixtures';

let c: Capstone;
beforeAll(async () => {
  c = await startCapstone({ app: { limits: false } });
});
afterAll(async () => c?.close());

interface Item { id: number; title: string; genre: string; publishedYear: number; author: { id: number; name: string }; rating: { count: number; average: number | null } }

/** Every page of a query, following `next`. */
async function walk(query: string): Promise<Item[]> {
  const all: Item[] = [];
  let cursor: string | null = null;
  do {
    const r = await c.call('GET', `/books?${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(r.status).toBe(200);
    all.push(...r.body.books);
    cursor = r.body.next;
  } while (cursor);
  return all;
}

const ids = async (sql: string, params: unknown[] = []) => (await c.ctx.pg.query<{ id: string }>(sql, params)).rows.map((r) => Number(r.id));

describe('browse: sort orders and pagination', () => {
  it('popular (default): most reviewed first; the pages visit every book exactly once, in the order Postgres sorts them', async () => {
    const all = await walk('limit=50');
    expect(all.map((b) => b.id)).toEqual(await ids('SELECT id FROM books ORDER BY review_count DESC, id DESC'));
    expect(all[0]!.rating.count).toBeGreaterThan(all.at(-1)!.rating.count);
    expect(all[0]).toEqual({ id: expect.any(Number), title: expect.any(String), genre: expect.any(String), publishedYear: expect.any(Number), author: { id: expect.any(Number), name: expect.any(String) }, rating: { count: expect.any(Number), average: expect.any(Number) } });
  });

  it('top-rated (Bayesian score), newest (year) and title walk the whole catalogue in their order, ties broken by id', async () => {
    expect((await walk('sort=top-rated&limit=50')).map((b) => b.id)).toEqual(await ids('SELECT id FROM books ORDER BY (rating_sum + 35.0) / (review_count + 10) DESC, id DESC'));
    expect((await walk('sort=newest&limit=50')).map((b) => b.id)).toEqual(await ids('SELECT id FROM books ORDER BY published_year DESC, id DESC'));
    expect((await walk('sort=title&limit=50')).map((b) => b.id)).toEqual(await ids('SELECT id FROM books ORDER BY title, id'));
  });

  it('page sizes are 10, 20 (default) or 50', async () => {
    expect((await c.call('GET', '/books')).body.books).toHaveLength(20);
    expect((await c.call('GET', '/books?limit=10')).body.books).toHaveLength(10);
    expect((await c.call('GET', '/books?limit=50')).body.books).toHaveLength(50);
  });
});

describe('browse: filters and search', () => {
  it('genre and a year range filter exactly', async () => {
    const got = await walk('genre=mystery&yearFrom=1990&yearTo=1999&sort=newest&limit=10');
    expect(got.length).toBeGreaterThan(0);
    expect(got.map((b) => b.id)).toEqual(await ids(`SELECT id FROM books WHERE genre = 'mystery' AND published_year BETWEEN 1990 AND 1999 ORDER BY published_year DESC, id DESC`));
    for (const b of got) {
      expect(b.genre).toBe('mystery');
      expect(b.publishedYear).toBeGreaterThanOrEqual(1990);
      expect(b.publishedYear).toBeLessThanOrEqual(1999);
    }
  });

  it('q finds books by title words and by author name, every word as a prefix', async () => {
    const { rows } = await c.ctx.pg.query<{ id: string; title: string; name: string }>('SELECT b.id, b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id ORDER BY b.id LIMIT 1 OFFSET 17');
    const book = rows[0]!;
    // Two title words, the second cut short: a prefix match.
    const [, adj, noun] = book.title.split(' ');
    const byTitle = await walk(`q=${encodeURIComponent(`${adj} ${noun!.slice(0, 3)}`)}&limit=50`);
    expect(byTitle.map((b) => b.id)).toContain(Number(book.id));
    for (const b of byTitle) {
      const words = `${b.title} ${b.author.name}`.toLowerCase().split(' ');
      expect(words).toContain(adj!.toLowerCase());
      expect(words.some((w) => w.startsWith(noun!.slice(0, 3).toLowerCase()))).toBe(true);
    }
    // The author's surname finds their books.
    const surname = book.name.split(' ')[1]!;
    const byAuthor = await walk(`q=${encodeURIComponent(`${surname} ${book.name.split(' ')[2]}`)}&limit=50`);
    expect(byAuthor.map((b) => b.id)).toContain(Number(book.id));
    expect(byAuthor.every((b) => b.author.name === book.name)).toBe(true);
  });

  it('a search that matches nothing is an empty page, not an error', async () => {
    const r = await c.call('GET', '/books?q=zzzqqq');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ books: [], next: null });
  });
});

describe('browse: validation', () => {
  it.each([
    ['limit=15', 'a page size not offered'],
    ['sort=cheapest', 'an unknown sort'],
    ['genre=cooking', 'an unknown genre'],
    [`q=${'a'.repeat(101)}`, 'q over 100 characters'],
    ['q=%21%21%3F', 'q without a word'],
    [`q=${'a b c d e f g h i'.replace(/ /g, '+')}`, 'q with 9 words'],
    ['q=a&q=b', 'q given twice'],
    ['yearFrom=2000&yearTo=1990', 'an empty year range'],
    ['yearFrom=abc', 'a year that is not a number'],
    ['cursor=bm90LWEtY3Vyc29y', 'a cursor this API did not make'],
  ])('%s (%s) is a 400 with a JSON error', async (query) => {
    const r = await c.call('GET', `/books?${query}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual(expect.objectContaining({ message: expect.any(String) }));
  });

  it('a cursor is refused by another sort order', async () => {
    const next = (await c.call('GET', '/books?sort=title')).body.next;
    expect((await c.call('GET', `/books?sort=title&cursor=${next}`)).status).toBe(200);
    expect((await c.call('GET', `/books?sort=popular&cursor=${next}`)).status).toBe(400);
  });
});

describe('browse: the bookList cache', () => {
  it('a first page is MISS then a hit; the same query written differently shares the entry; later pages are not cached (BYPASS)', async () => {
    const first = await c.call('GET', '/books?q=Golden+River&genre=fantasy&limit=10');
    expect(first.headers.get('x-cache')).toBe('MISS');
    const again = await c.call('GET', '/books?limit=10&genre=fantasy&q=river%20%20GOLDEN');
    expect(again.headers.get('x-cache')).toMatch(/^HIT/);
    expect(again.body).toEqual(first.body);
    const p1 = await c.call('GET', '/books?sort=newest&limit=10');
    const p2 = await c.call('GET', `/books?sort=newest&limit=10&cursor=${p1.body.next}`);
    expect(p2.status).toBe(200);
    expect(p2.headers.get('x-cache')).toBe('BYPASS');
    expect(p2.body.books[0].id).not.toBe(p1.body.books[0].id);
  });

  it('a bucket that cached its quota of new queries this window serves further queries uncached (distinct queries are bounded)', async () => {
    const filter = { q: 'archive', sort: 'title' as const, limit: 20 };
    const { key, windowKey } = c.service.bookListKeys(filter);
    await c.ctx.redis.sadd(windowKey, ...Array.from({ length: MAX_PAGES_PER_INDEX }, (_, i) => `someone-else-${i}`));
    for (let i = 0; i < 2; i++) expect((await c.call('GET', '/books?q=archive&sort=title')).headers.get('x-cache')).toBe('MISS');
    expect(await c.ctx.redis.exists(key)).toBe(0);
    // A query in another bucket (or the next window) is cached as usual.
    await c.ctx.redis.unlink(windowKey);
    expect((await c.call('GET', '/books?q=archive&sort=title')).headers.get('x-cache')).toBe('MISS');
    expect(await c.ctx.redis.exists(key)).toBe(1);
    expect(await c.ctx.redis.sismember(windowKey, key)).toBe(1);
  });

  it('the genres the filter accepts are the seeded ones', async () => {
    const { rows } = await c.ctx.pg.query<{ genre: string }>('SELECT DISTINCT genre FROM books ORDER BY genre');
    expect(rows.map((r) => r.genre)).toEqual([...GENRES].sort());
  });
});
