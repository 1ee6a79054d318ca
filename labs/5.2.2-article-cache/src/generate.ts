// Deterministic fake articles and comments, generated lazily (one row at a time) so 500,000 articles
// and a million comments never sit in memory. A seeded PRNG makes every seed produce the same data.
import { seededRandom } from '../../../harness/seed/zipf';

export const TAGS = [
  'redis', 'postgres', 'caching', 'databases', 'node', 'typescript', 'performance', 'devops', 'security', 'testing',
  'architecture', 'kubernetes', 'linux', 'networking', 'observability', 'frontend', 'css', 'rust', 'go', 'python',
  'data', 'ml', 'cloud', 'career', 'startups', 'design', 'mobile', 'api', 'graphql', 'sql',
] as const;

const WORDS = (
  'the a cache read write latency request server client query index table row column key value memory disk network ' +
  'fast slow miss hit load store update delete expire evict version list page article author comment tag result ' +
  'because when while after before every only never always often simple clear small large remote local hot cold'
).split(' ');

/** A seeded PRNG (mulberry32, from the harness): a tiny, fast, seedable generator for fake data, not for anything secret. */
export const prng = seededRandom;

const DAY_MS = 86_400_000;
/** Articles are published over the two years before the seed's clock. */
export const PUBLISH_SPAN_DAYS = 730;

export interface SeedShape {
  articles: number;
  authors: number;
  /** Seed time: published_at and comment times are placed before it. */
  now: number;
}

export function authorsFor(articles: number): number {
  return Math.max(10, Math.min(5_000, Math.ceil(articles / 100)));
}

function words(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + WORDS[Math.floor(rand() * WORDS.length)];
  return s;
}

/** 50,000 random words made once; every title and body is a slice of it (far cheaper than word by word). */
const CORPUS = words(prng(7), 50_000);

/** A run of whole words from the corpus, about `min`–`max` characters long. */
function text(rand: () => number, min: number, max: number): string {
  const start = CORPUS.indexOf(' ', Math.floor(rand() * (CORPUS.length - max - 20))) + 1;
  const end = CORPUS.lastIndexOf(' ', start + min + Math.floor(rand() * (max - min)));
  return CORPUS.slice(start, Math.max(end, start + 1));
}

export function* authorRows(shape: SeedShape): Generator<[number, string, string]> {
  for (let id = 1; id <= shape.authors; id++) yield [id, `Author ${id}`, `author${id}@example.com`];
}

/** A skewed comment count: most articles get 0–3, a few get dozens (so "most commented" means something). */
function commentCount(rand: () => number): number {
  const r = rand();
  if (r < 0.35) return 0;
  if (r < 0.9) return 1 + Math.floor(rand() * 3);
  if (r < 0.99) return 4 + Math.floor(rand() * 8);
  return 20 + Math.floor(rand() * 40);
}

export interface ArticleSeedRow {
  id: number;
  authorId: number;
  title: string;
  body: string;
  tags: string[];
  publishedAt: Date;
  comments: number;
}

/**
 * When an article was published and how many comments it gets, from its id alone: the article and
 * comment generators both call it, so comments can be generated without regenerating article bodies.
 */
export function articleMeta(shape: SeedShape, id: number, seed = 42): { publishedAt: number; comments: number } {
  const rand = prng(Math.imul(id, 0x9e3779b1) ^ seed);
  return { publishedAt: shape.now - Math.floor(rand() * PUBLISH_SPAN_DAYS * DAY_MS), comments: commentCount(rand) };
}

export function* articleRows(shape: SeedShape, seed = 42): Generator<ArticleSeedRow> {
  const rand = prng(seed);
  for (let id = 1; id <= shape.articles; id++) {
    const meta = articleMeta(shape, id, seed);
    const nTags = 1 + Math.floor(rand() * 3);
    const tags = new Set<string>();
    while (tags.size < nTags) tags.add(TAGS[Math.floor(rand() * TAGS.length)]!);
    // Authors are skewed too: a quarter of them write half the articles.
    const authorId = 1 + Math.floor((rand() < 0.5 ? rand() * 0.25 : rand()) * shape.authors);
    yield {
      id,
      authorId,
      title: `${text(rand, 20, 50)} #${id}`,
      body: `${text(rand, 350, 750)}.`,
      tags: [...tags],
      publishedAt: new Date(meta.publishedAt),
      comments: meta.comments,
    };
  }
}

/** Comments for the articles above (same seed, so the same article rows are regenerated and followed). */
export function* commentRows(shape: SeedShape, seed = 42): Generator<[number, number, number, string, Date]> {
  const rand = prng(seed ^ 0x5eed);
  let id = 0;
  for (let articleId = 1; articleId <= shape.articles; articleId++) {
    const a = articleMeta(shape, articleId, seed);
    const age = shape.now - a.publishedAt;
    for (let c = 0; c < a.comments; c++) {
      // Comments cluster soon after publication, like real threads.
      const at = a.publishedAt + Math.floor(age * rand() * rand());
      yield [++id, articleId, 1 + Math.floor(rand() * shape.authors), text(rand, 25, 90), new Date(at)];
    }
  }
}
