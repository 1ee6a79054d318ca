// A race actor for the concurrency test: each actor adds 1 to one of ten players.
import { defineRaceActor } from '../../../harness/race';
import { keyBuilder } from '../../../shared/keys';
import { connectRedis } from '../../../shared/redis-client';
import { Leaderboard } from '../src/leaderboard';

export interface IncrementArgs {
  redisUrl: string;
  prefix: string;
  board: string;
}

export default defineRaceActor({
  setup(args: IncrementArgs) {
    // connectRedis: a redis-cluster:// URL (the cluster pass) gives a Cluster client, like the lab's own.
    const redis = connectRedis(args.redisUrl);
    return { redis, board: new Leaderboard(redis, keyBuilder({ prefix: args.prefix, lab: '5.1.1' }), args.board) };
  },
  async act(state, index) {
    return (await state.board.increment(`player-${index % 10}`, 1)).score;
  },
  teardown(state) {
    state.redis.disconnect();
  },
});
