// The key layout on Redis Cluster (issue 17): a request is checked against its per-IP, per-user and
// per-route buckets in ONE script, all or nothing. The buckets are shared across requests (an IP's by
// every user behind it, a user's across IPs), so no per-identity tag can keep one request's buckets
// together; every bucket carries the one {limiter} tag instead. On a three-master cluster: without the
// tag the script is refused (CROSSSLOT), with it a denial by one bucket charges none of the others.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { keyBuilder } from '../../../shared/keys';
import { connectRedis, type RedisClient } from '../../../shared/redis-client';
import { createTokenBucket } from '../src/bucket';
import { createLimiter } from '../src/limiter';
import { bucketKey, parsePolicies } from '../src/policy';
import { manualClock } from './helpers';

let cluster: LocalCluster;
let redis: RedisClient;
beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = connectRedis(cluster.url);
});
afterAll(async () => {
  redis?.disconnect();
  await cluster?.dispose();
});

const keys = keyBuilder({ lab: '5.3.1' });
const policies = parsePolicies([
  { name: 'per-ip', by: ['ip'], capacity: 100, refillPerSec: 1 },
  { name: 'per-user', by: ['user'], capacity: 50, refillPerSec: 1 },
  { name: 'search', by: ['user', 'endpoint'], endpoints: ['GET /api/search'], capacity: 2, refillPerSec: 0.01 },
]);
const id = { ip: '10.1.2.3', user: 'ada', endpoint: 'GET /api/search' };

describe('per-IP, per-user and per-route buckets in one script on Redis Cluster', () => {
  it('without a shared tag the three keys hash to different slots, and the script is refused', async () => {
    const untagged = policies.map((p) => `${keys.key('bucket', p.name)}:${p.by.map((d) => id[d]).join(':')}`);
    const slots = new Set(await Promise.all(untagged.map(async (k) => Number(await redis.cluster('KEYSLOT', k)))));
    expect(slots.size).toBeGreaterThan(1);
    const bucket = createTokenBucket(redis);
    await expect(bucket.take(untagged.map((key) => ({ key, capacity: 5, refillPerSec: 1 })))).rejects.toThrow(/CROSSSLOT/);
  });

  it('with the {limiter} tag: one slot, and a denial by the route bucket charges neither the IP nor the user bucket', async () => {
    const tagged = policies.map((p) => bucketKey(keys, p, id));
    const slots = new Set(await Promise.all(tagged.map(async (k) => Number(await redis.cluster('KEYSLOT', k)))));
    expect(slots.size).toBe(1);
    const clock = manualClock();
    const limiter = createLimiter(createTokenBucket(redis, { now: clock.now }), keys, policies);
    for (let i = 0; i < 2; i++) expect((await limiter.check(id)).allowed).toBe(true);
    const denied = await limiter.check(id);
    expect(denied.allowed).toBe(false);
    expect(denied.results.map((r) => [r.policy.name, r.remaining, r.limiting])).toEqual([
      ['per-ip', 98, false],
      ['per-user', 48, false],
      ['search', 0, true],
    ]);
    // The refusal charged nothing: another route of the same user and IP still sees 98 and 48.
    const other = await limiter.check({ ...id, endpoint: 'GET /api/hello' });
    expect(other.results.map((r) => r.remaining)).toEqual([97, 47]);
  });
});
