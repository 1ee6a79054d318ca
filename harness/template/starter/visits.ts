// Starter: the lesson's core left for the learner. `npm run grade __LAB_ID__ -- --impl starter`.
import type { RedisClient } from '../../../shared/redis-client';
import type { KeyBuilder } from '../../../shared/keys';
import { NotImplementedError } from '../../../shared/errors';
import type { VisitCounter } from '../src/visits';

export function createVisitCounter(_redis: RedisClient, _keys: KeyBuilder): VisitCounter {
  return {
    record: async () => {
      throw new NotImplementedError('exercise 1: record a visit (INCR + PFADD in one MULTI)');
    },
    unique: async () => {
      throw new NotImplementedError('exercise 2: count unique visitors (PFCOUNT)');
    },
  };
}
