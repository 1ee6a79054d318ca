// The same board on a three-master Redis Cluster: the scripts touch only keys passed in KEYS, and the
// set and its counter share the {board} hash tag, so nothing crosses slots.
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { keyBuilder } from '../../../shared/keys';
import { Leaderboard } from '../src/leaderboard';

let cluster: LocalCluster;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
});
afterAll(() => cluster?.dispose());

describe('exercises 1–5 on Redis Cluster', () => {
  it('sets, increments and reads boards whose keys live on different nodes', async () => {
    const keys = keyBuilder({ lab: '5.1.1' });
    const boards = ['alpha', 'beta', 'gamma', 'delta'].map((name) => new Leaderboard(client, keys, name));
    for (const b of boards) {
      await b.setScore('ada', 10);
      await b.increment('bob', 12);
      await b.setScore('cy', 10);
    }
    // The boards really are spread over more than one master.
    const owners = new Set<string>();
    for (const b of boards) {
      const slot = Number(await client.cluster('KEYSLOT', b.key));
      expect(Number(await client.cluster('KEYSLOT', b.seqKey))).toBe(slot);
      owners.add(client.slots[slot]![0]!);
    }
    expect(owners.size).toBeGreaterThan(1);
    for (const b of boards) {
      expect((await b.top(3)).map((e) => e.member)).toEqual(['bob', 'ada', 'cy']);
      expect(await b.rankOf('cy')).toEqual({ member: 'cy', score: 10, rank: 3 });
      expect((await b.byScore(10, 10)).map((e) => e.member)).toEqual(['ada', 'cy']);
    }
  });
});
