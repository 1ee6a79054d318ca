// The export file: JSON lines. Line 1 is a header; then one key per line, every binary-safe value in
// base64 (Redis strings are bytes, not text). The five core types are written per type (portable to
// any Redis version); other types (streams, module types) and `--format dump` carry DUMP's payload.
import { z } from 'zod';

export const FORMAT = 'redis-inspector-export';

export const headerSchema = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  encoding: z.enum(['json', 'dump']),
  pattern: z.string(),
  exportedAt: z.string(),
  redis: z.string(),
});
export type ExportHeader = z.infer<typeof headerSchema>;

const b64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');
/** Milliseconds left when exported, or -1 for no TTL. */
const pttl = z.number().int().refine((n) => n === -1 || n > 0, 'pttl must be -1 or > 0');
const base = { key: b64, pttl };

export const recordSchema = z.union([
  z.object({ ...base, type: z.literal('string'), value: b64 }).strict(),
  z.object({ ...base, type: z.literal('hash'), value: z.array(z.tuple([b64, b64])).min(1) }).strict(),
  z.object({ ...base, type: z.literal('list'), value: z.array(b64).min(1) }).strict(),
  z.object({ ...base, type: z.literal('set'), value: z.array(b64).min(1) }).strict(),
  // scores as text: Redis prints doubles with 17 significant digits, so the text round-trips exactly
  z.object({ ...base, type: z.literal('zset'), value: z.array(z.tuple([b64, z.string().regex(/^([-+]?inf|[-+0-9.eE]+)$/i, 'not a score')])).min(1) }).strict(),
  z.object({ ...base, type: z.string(), dump: b64 }).strict(),
]);
export type ExportRecord = z.infer<typeof recordSchema>;

/** The five types written value by value; anything else travels as a DUMP payload. */
export const PORTABLE_TYPES = new Set(['string', 'hash', 'list', 'set', 'zset']);

export const toB64 = (b: Buffer | string) => (Buffer.isBuffer(b) ? b : Buffer.from(b)).toString('base64');
export const fromB64 = (s: string) => Buffer.from(s, 'base64');
