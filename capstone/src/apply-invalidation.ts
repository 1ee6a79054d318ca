// Runs an invalidation plan after a write commits: one SMEMBERS per index set, then one MULTI that
// unlinks everything and bumps the book's generation, so a load that started before the write does
// not store its (older) result afterwards (see store-if-current.lua). The same MULTI publishes the
// keys to every process's L1 (l1-bus.ts): the message is delivered only after the keys are gone.
import type { RedisClient } from '../../shared/redis-client';
import type { ReadThroughCache } from './cache';
import type { InvalidationPlan } from './invalidation';

/** Generations outlive any load by far; an expired one reads as '0', which only ever refuses a store. */
const GENERATION_TTL_SEC = 3_600;

export async function applyInvalidation(redis: RedisClient, cache: ReadThroughCache, plan: InvalidationPlan, generationKey: string): Promise<number> {
  const members = plan.indexSets.length ? await Promise.all(plan.indexSets.map((s) => redis.smembers(s))) : [];
  const all = [...plan.keys, ...plan.indexSets, ...members.flat()];
  cache.forgetLocal(all);
  const tx = redis.multi().incr(generationKey).expire(generationKey, GENERATION_TTL_SEC);
  if (all.length) tx.unlink(...all);
  if (all.length && cache.bus) tx.publish(cache.bus.channel, cache.bus.message(all));
  const replies = (await tx.exec()) ?? [];
  return all.length ? Number(replies[2]?.[1] ?? 0) : 0;
}
