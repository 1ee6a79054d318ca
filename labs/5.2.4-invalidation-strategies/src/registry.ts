// Every strategy by name. The demo, the bench and the tests pick from here.
import { UsageError } from '../../../harness/usage-error';
import type { StrategyDefinition } from './strategy';
import { combined } from './strategies/combined';
import { event } from './strategies/event';
import { explicit } from './strategies/explicit';
import { noCache } from './strategies/no-cache';
import { swr } from './strategies/swr';
import { tag } from './strategies/tag';
import { ttl } from './strategies/ttl';
import { versioned } from './strategies/versioned';
import { writeBehind } from './strategies/write-behind';
import { writeThrough } from './strategies/write-through';

export const strategies = [noCache, ttl, explicit, writeThrough, event, swr, tag, combined, versioned, writeBehind] as const satisfies readonly StrategyDefinition[];

export type StrategyName = (typeof strategies)[number]['name'];

export function strategyByName(name: string): StrategyDefinition {
  const found = strategies.find((s) => s.name === name);
  if (!found) throw new UsageError(`unknown strategy "${name}"; choose from: ${strategies.map((s) => s.name).join(', ')}`);
  return found;
}

/** Parses `--only a,b` (or everything). */
export function pickStrategies(only?: string): StrategyDefinition[] {
  if (!only) return [...strategies];
  return only.split(',').map((n) => strategyByName(n.trim()));
}
