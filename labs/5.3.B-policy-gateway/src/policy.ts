// Policies are data: tiers (limits over several windows, plus burst), per-route rules, per-key
// overrides and a global shadow switch. Postgres holds them (store.ts); each gateway instance holds one
// immutable Snapshot of them at a version and swaps it whole on reload (watcher.ts).
import { z } from 'zod';

export const WINDOW_SECONDS = { second: 1, minute: 60, hour: 3_600, day: 86_400 } as const;
export type WindowName = keyof typeof WINDOW_SECONDS;

const name = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, - and _ (1-40), starting with a letter');

/** `limit` units per window, refilled smoothly (a token bucket); `burst` is the bucket size (default `limit`). */
export const LimitSchema = z
  .object({
    window: z.enum(['second', 'minute', 'hour', 'day']),
    limit: z.number().int().min(1).max(1_000_000_000),
    burst: z.number().int().min(1).max(1_000_000_000).optional(),
  })
  .strict();
export type Limit = z.infer<typeof LimitSchema>;

const limits = z.array(LimitSchema).max(4).refine((ls) => new Set(ls.map((l) => l.window)).size === ls.length, 'one limit per window');
export const FailModeSchema = z.enum(['open', 'closed']);
export type FailMode = z.infer<typeof FailModeSchema>;

export const TierSchema = z
  .object({
    name,
    limits,
    /** What to do when Redis cannot decide in time: serve anyway (open) or refuse with 503 (closed). */
    failMode: FailModeSchema.default('open'),
    /** Told to a client that hit a limit: how to get more. */
    upgradeHint: z.string().max(200).default(''),
  })
  .strict();
export type Tier = z.infer<typeof TierSchema>;

/**
 * A rule applies to the routes its `route` names: one of the gateway's route patterns exactly
 * (`/orders/:id`), a prefix of them (`/orders/*`), or every route (`*`). Methods: one or `*`.
 */
export const RuleSchema = z
  .object({
    id: name,
    method: z.enum(['*', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('*'),
    route: z.string().regex(/^(\*|\/[A-Za-z0-9_:./*-]{0,200})$/, 'a route pattern, a prefix ending in /*, or *'),
    /** Units one request takes from every limit that applies (tier and rule). */
    cost: z.number().int().min(1).max(1_000).default(1),
    /** Per identity, on the routes this rule matches, on top of the tier's limits. */
    limits: limits.default([]),
    /** Count and log would-be denials of this rule's limits, never enforce them. */
    shadow: z.boolean().default(false),
    /** Overrides the tier's fail mode on these routes. */
    failMode: FailModeSchema.optional(),
  })
  .strict();
export type Rule = z.infer<typeof RuleSchema>;

/** A key's own limits, replacing its tier's. */
export const OverrideSchema = z.object({ limits }).strict();
export type Override = z.infer<typeof OverrideSchema>;

export const SettingsSchema = z.object({ shadow: z.boolean().default(false) }).strict();
export type Settings = z.infer<typeof SettingsSchema>;

export interface KeyRecord {
  id: string;
  tenant: string;
  tier: string;
  label: string;
}

export interface Snapshot {
  version: number;
  tiers: Map<string, Tier>;
  rules: Rule[];
  /** sha256(key) hex → the key's record; revoked keys are absent. */
  keysByHash: Map<string, KeyRecord>;
  overrides: Map<string, Override>;
  settings: Settings;
}

/** The tier anonymous traffic (no API key) belongs to; the store seeds it and refuses to delete it. */
export const ANONYMOUS_TIER = 'anonymous';
