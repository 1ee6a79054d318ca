// Every request shape, in zod: the routes validate with them and OpenAPI is generated from them.
import { z } from '../../shared/openapi';
import { BOOK_SORTS } from './browse';
import { GENRES } from './schema';

const id = z.coerce.number().int().min(1).max(2_147_483_647);

export const BookParams = z.object({ id });
export const ReviewParams = z.object({ id });
export const UserParams = z.object({ id });
export const AuthorParams = z.object({ id });
export const ReviewsQuery = z.object({
  cursor: z.string().max(200).optional(),
  // A fixed set of page sizes: each is a cache entry, so the client cannot mint unbounded variants.
  limit: z.enum(['10', '20', '50']).default('20').transform(Number),
});
export const BoardQuery = z.object({ limit: z.enum(['10', '25', '100']).default('10').transform(Number) });
export const BoardParams = z.object({ board: z.enum(['top-rated', 'reviewed-week']) });
export const Credentials = z.object({ email: z.email().max(200), password: z.string().min(8).max(200) });
export const NewReview = z.object({ rating: z.number().int().min(1).max(5), body: z.string().trim().min(1).max(5_000) });
export const EditReview = NewReview.partial().refine((p) => p.rating !== undefined || p.body !== undefined, 'give rating or body');
export const Vote = z.object({ helpful: z.boolean() });
export const Behaviour = z.object({ latencyMs: z.number().int().min(0).max(10_000), failureRate: z.number().min(0).max(1) });
// Browse/search: every field bounded, so the set of distinct queries (and cache keys) is too.
const year = z.coerce.number().int().min(0).max(3_000);
export const BookListQuery = z.object({
  q: z.string().max(100).optional(),
  genre: z.enum(GENRES).optional(),
  yearFrom: year.optional(),
  yearTo: year.optional(),
  sort: z.enum(BOOK_SORTS).default('popular'),
  limit: z.enum(['10', '20', '50']).default('20').transform(Number),
  cursor: z.string().max(400).optional(),
});
