// Input rules, checked before anything is sent to Redis, so bad input writes nothing.
import { z } from 'zod';
import { ValidationError } from '../../../shared/errors';
import { formatZodError } from '../../../shared/http';
import { MAX_SCORE, type TieBreak } from './score-encoding';

export const MAX_MEMBER_LENGTH = 128;
export const MAX_PAGE_SIZE = 1000;

export const memberSchema = z
  .string()
  .min(1, 'member must not be empty')
  .max(MAX_MEMBER_LENGTH, `member must be at most ${MAX_MEMBER_LENGTH} characters`)
  // Control characters break terminals and logs; nobody's name needs them.
  // eslint-disable-next-line no-control-regex
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'member must not contain control characters');

export const pageSizeSchema = z
  .number({ error: 'page size must be a number' })
  .int('page size must be a whole number')
  .min(1, 'page size must be at least 1')
  .max(MAX_PAGE_SIZE, `page size must be at most ${MAX_PAGE_SIZE}`);

export function scoreSchema(ties: TieBreak) {
  const finite = z.number({ error: 'must be a finite number' });
  return ties === 'first-reached'
    ? finite.int('must be a whole number on a first-reached board').min(-MAX_SCORE, `must be within ±${MAX_SCORE}`).max(MAX_SCORE, `must be within ±${MAX_SCORE}`)
    : finite;
}

/** Parses with a schema, turning a failure into a ValidationError that names the field. */
export function check<T>(schema: z.ZodType<T>, value: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`${field}: ${formatZodError(result.error).replace(/^input: /, '')}`, { field, value });
  return result.data;
}

export const pageNumberSchema = z.number().int('page must be a whole number').min(1, 'page must be at least 1');
export const offsetSchema = z.number().int('offset must be a whole number').min(0, 'offset must not be negative');
