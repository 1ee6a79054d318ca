// A buyer for the harness's race runner: each worker process opens its own connections, builds the
// chosen strategy, and every actor tries to buy one seat.
import pg from 'pg';
import { defineRaceActor } from '../../../harness/race';
import { quoteIdent } from '../../../harness/context';
import { keyBuilder } from '../../../shared/keys';
import { connectRedis, type RedisClient } from '../../../shared/redis-client';
import { createStrategy, type BookingStrategy, type BuyResult, type StrategyName } from './strategies';

export interface BuyerArgs {
  redisUrl: string;
  databaseUrl: string;
  schema: string;
  prefix: string;
  strategy: StrategyName;
  eventId: number;
  thinkMs: number;
  /** How long a buyer waits for the lock (default: the lock's own). */
  lockTimeoutMs?: number;
}

interface State {
  redis: RedisClient;
  pool: pg.Pool;
  extra: RedisClient[];
  strategy: BookingStrategy;
}

export default defineRaceActor<BuyerArgs, State, BuyResult>({
  setup(args) {
    // connectRedis: the URL may name a Redis Cluster (`redis-cluster://…`), and the buyer must follow it.
    const redis = connectRedis(args.redisUrl);
    const pool = new pg.Pool({ connectionString: args.databaseUrl, max: 10, options: `-c search_path=${quoteIdent(args.schema)}` });
    const extra: RedisClient[] = [];
    const strategy = createStrategy(args.strategy, {
      redis,
      pg: pool,
      keys: keyBuilder({ prefix: args.prefix, lab: '5.3.4' }),
      thinkMs: args.thinkMs,
      lockTimeoutMs: args.lockTimeoutMs,
      newRedis: () => {
        const r = connectRedis(args.redisUrl);
        extra.push(r);
        return r;
      },
    });
    return { redis, pool, extra, strategy };
  },
  act: (state, index, args) => state.strategy.buy(args.eventId, `buyer-${index}`),
  async teardown(state) {
    await state.strategy.close?.();
    for (const r of [state.redis, ...state.extra]) r.disconnect();
    await state.pool.end();
  },
});
