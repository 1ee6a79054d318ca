// The shapes the API serves. Timestamps are ISO-8601 strings whether they come from Postgres or from
// the cache, so a cached value and a loaded one compare equal and decoding needs no reviver.

export interface AuthorRef {
  id: number;
  name: string;
}

/** GET /articles/:id — what the realistic uncached query returns. */
export interface Article {
  id: number;
  title: string;
  body: string;
  tags: string[];
  publishedAt: string;
  updatedAt: string;
  author: AuthorRef;
  commentCount: number;
}

export interface ArticleSummary {
  id: number;
  title: string;
  tags: string[];
  publishedAt: string;
  author: AuthorRef;
}

/** The page's components, each cached under its own key with its own TTL. */
export interface PageHeader {
  id: number;
  title: string;
  tags: string[];
  publishedAt: string;
  author: AuthorRef;
}
export interface PageBody {
  body: string;
  updatedAt: string;
}
export interface RelatedArticle {
  id: number;
  title: string;
}

/** GET /articles/:id/page — assembled from the components above. */
export interface ArticlePage extends PageHeader, PageBody {
  commentCount: number;
  related: RelatedArticle[];
}

export interface ListQuery {
  author?: number;
  tag?: string;
  page: number;
}

export interface ArticleList {
  page: number;
  pageSize: number;
  items: ArticleSummary[];
}

export interface TopCommented {
  tag: string;
  since: string;
  items: Array<{ id: number; title: string; comments: number }>;
}

export interface ArticlePatch {
  title?: string;
  body?: string;
  tags?: string[];
}

export type ArticleField = keyof ArticlePatch;
