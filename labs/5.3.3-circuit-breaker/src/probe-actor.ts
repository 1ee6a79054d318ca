// A caller for the race runner: each worker process opens its own Redis connection and builds its own
// breaker instance (same name, same keys); every actor asks once whether it may call the downstream.
// The clock is fixed just past the cool-down, so all of them race for the half-open probe slots.
import { createServingRedis, type RedisClient } from '../../../shared/redis-client';
import { defineRaceActor } from '../../../harness/race';
import { keyBuilder } from '../../../shared/keys';
import { breakerRedisOptions, RedisCircuitBreaker, type Admission } from './breaker';

export interface ProbeArgs {
  redisUrl: string;
  prefix: string;
  name: string;
  /** The clock every process uses (ms). */
  now: number;
  coolDownMs: number;
  halfOpenProbes: number;
}

interface State {
  redis: RedisClient;
  breaker: RedisCircuitBreaker;
}

export default defineRaceActor<ProbeArgs, State, Admission['decision']>({
  async setup(args) {
    const redis = createServingRedis(args.redisUrl, breakerRedisOptions);
    const breaker = await new RedisCircuitBreaker({
      name: args.name,
      redis,
      keys: keyBuilder({ prefix: args.prefix, lab: '5.3.3' }),
      now: () => args.now,
      coolDownMs: args.coolDownMs,
      halfOpenProbes: args.halfOpenProbes,
    }).start();
    return { redis, breaker };
  },
  act: async (state) => (await state.breaker.acquire()).decision,
  async teardown(state) {
    await state.breaker.close();
    state.redis.disconnect();
  },
});
