// The catalog's one entity, and the only shape a write may take (validated before it reaches SQL).
import { z } from 'zod';
import { ValidationError } from '../../../shared/errors';

export interface Product {
  id: number;
  name: string;
  categoryId: number;
  priceCents: number;
  /** Bumped by every update: lets a cache refuse to overwrite a newer copy with an older one. */
  version: number;
}

export const productPatchSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    categoryId: z.number().int().positive().optional(),
    priceCents: z.number().int().nonnegative().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'a patch changes at least one field');

export type ProductPatch = z.infer<typeof productPatchSchema>;

export function parsePatch(patch: unknown): ProductPatch {
  const r = productPatchSchema.safeParse(patch);
  if (!r.success) throw new ValidationError('invalid product patch', r.error.issues);
  return r.data;
}

export function parseId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) throw new ValidationError('product id must be a positive integer');
  return id;
}
