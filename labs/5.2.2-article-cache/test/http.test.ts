import { describe, expect, it } from 'vitest';
import { createTestContext } from '../../../harness/context';
import { seed } from '../src/seed';
import { ARTICLES, useFixture } from './fixtures';

const fx = useFixture();

describe('HTTP input validation', () => {
  const bad: Array<[string, string, unknown?]> = [
    ['GET', '/articles/abc'],
    ['GET', '/articles/0'],
    ['GET', '/articles/99999999999'],
    ['GET', '/articles?page=0'],
    ['GET', '/articles?page=two'],
    ['GET', '/articles?tag=Not%20A%20Tag!'],
    ['GET', '/articles?author=-3'],
    ['GET', '/articles?sort=title'],
    ['GET', '/tags/%20/top-commented'],
    ['PUT', '/articles/5', {}],
    ['PUT', '/articles/5', { title: 42 }],
    ['PUT', '/articles/5', { title: '   ' }],
    ['PUT', '/articles/5', { tags: [] }],
    ['PUT', '/articles/5', { author_id: 3 }],
    ['PUT', '/articles/5', '{"title": '],
  ];
  it.each(bad)('%s %s %j → 400 with the error shape', async (method, path, body) => {
    const api = await fx.serve(await fx.store());
    const res = await api.call(method, path, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
  });

  it('an unknown route is a JSON 404', async () => {
    const api = await fx.serve(await fx.store());
    const res = await api.call('GET', '/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('seed', () => {
  it('loads authors, articles, comments and indexes; the same count again is skipped', async () => {
    const { rows } = await fx.ctx.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM articles');
    expect(rows[0]!.n).toBe(ARTICLES);
    const again = await seed(fx.ctx.pg, { count: ARTICLES });
    expect(again.skipped).toBe(true);
    const idx = await fx.ctx.pg.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1`);
    expect(idx.rows.map((r) => r.indexname)).toEqual(expect.arrayContaining(['articles_pkey', 'articles_tags', 'articles_author_published', 'comments_article']));
  });

  it('another count reloads from scratch', async () => {
    const ctx = await createTestContext('5.2.2');
    try {
      await seed(ctx.pg, { count: 50 });
      const result = await seed(ctx.pg, { count: 80 });
      expect(result).toMatchObject({ skipped: false, articles: 80 });
      const { rows } = await ctx.pg.query<{ n: number; c: number }>('SELECT (SELECT count(*) FROM articles)::int AS n, (SELECT count(*) FROM comments)::int AS c');
      expect(rows[0]).toEqual({ n: 80, c: result.comments });
    } finally {
      await ctx.dispose();
    }
  });
});
