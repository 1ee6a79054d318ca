// Cluster safety (issue 13): every script and MULTI touches one user's keys only ({user} hash tag);
// the global stats hash is updated in its own call. On a three-master cluster, with users whose keys
// live on different masters, the whole session life cycle runs without CROSSSLOT.
import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster, type LocalCluster } from '../../../harness/cluster';
import { waitFor } from '../../../harness/ports';
import { keyBuilder } from '../../../shared/keys';
import { mastersOf } from '../../../shared/redis-scan';
import { detectCleanupMode, pruneSession, readStats, startCleanup } from '../src/cleanup';
import { revokeAllSessions, revokeSession, revokeToken } from '../src/revocation';
import { rotateRefresh } from '../src/rotation';
import { createSession, validateSession } from '../src/sessions';
import { storeDeps } from '../src/store';

let cluster: LocalCluster;
let client: Cluster;
beforeAll(async () => {
  cluster = await startRedisCluster();
  client = cluster.client();
});
afterAll(() => cluster?.dispose());

describe('exercises 1–3 on Redis Cluster', () => {
  it('create, validate, rotate, revoke and prune for users on different masters; stats add up', async () => {
    let t = 1_000_000;
    // The store takes either topology (RedisClient); a Cluster answers the same commands it uses here.
    const d = storeDeps(client, keyBuilder({ lab: '5.3.2' }), { idleTtlMs: 60_000, absoluteTtlMs: 120_000, now: () => t });
    const users = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay'];
    // Which master owns each user's slot (from CLUSTER SLOTS: [first, last, [host, port], …] per range).
    const ranges = (await client.cluster('SLOTS')) as unknown as Array<[number, number, [string, number]]>;
    const owners = new Set<number>();
    for (const u of users) {
      const slot = Number(await client.cluster('KEYSLOT', d.k.index(u)));
      owners.add(ranges.find(([a, b]) => slot >= a && slot <= b)![2][1]);
    }
    expect(owners.size).toBeGreaterThan(1);

    for (const u of users) {
      const a = await createSession(d, u, `r1-${u}`);
      const b = await createSession(d, u, `r1b-${u}`);
      await validateSession(d, u, a.sid, `j-${u}`);
      expect(await rotateRefresh(d, u, a.sid, `r1-${u}`, `r2-${u}`)).toMatchObject({ ttlMs: 60_000 });
      await expect(rotateRefresh(d, u, a.sid, `r1-${u}`, `r3-${u}`)).rejects.toMatchObject({ code: 'refresh_reused' });
      expect(await revokeToken(d, u, `j-${u}`, Math.floor(t / 1000) + 60)).toBe(true);
      await expect(validateSession(d, u, b.sid, `j-${u}`)).rejects.toMatchObject({ code: 'token_revoked' });
      expect(await revokeSession(d, u, b.sid)).toBe(true);
      await createSession(d, u, `r4-${u}`);
      expect(await revokeAllSessions(d, u)).toBe(1);
      // A session that expired by itself: its index entry is pruned.
      const c = await createSession(d, u, `r5-${u}`);
      await client.del(d.k.session(u, c.sid));
      expect(await pruneSession(d, u, c.sid)).toBe(true);
      // Past the absolute expiry, validation removes it and counts an expiration.
      const e = await createSession(d, u, `r6-${u}`);
      t += 121_000;
      await expect(validateSession(d, u, e.sid, `j2-${u}`)).rejects.toMatchObject({ code: 'session_expired' });
    }
    const n = users.length;
    expect(await readStats(d)).toEqual({
      active: 0,
      logins: 5 * n,
      refreshes: n,
      revocations: 3 * n, // reuse, logout, logout-all
      tokenRevocations: n,
      expirations: 2 * n,
      reuseDetected: n,
    });
  });
});

describe('expired-key events on Redis Cluster: each node publishes its own keys\' expiries', () => {
  it('with events on every master, the listener hears users on every master and prunes their indexes', async () => {
    const d = storeDeps(client, keyBuilder({ lab: 'notify' }));
    // Off on one master is enough to make the events unreliable: detection asks every master.
    const [first, ...rest] = mastersOf(client);
    await first!.config('SET', 'notify-keyspace-events', 'Ex');
    expect(await detectCleanupMode(client)).toBe('sweep');
    for (const node of rest) await node.config('SET', 'notify-keyspace-events', 'Ex');
    expect(await detectCleanupMode(client)).toBe('notifications');

    const cleanup = await startCleanup(d, { sweepEveryMs: 3_600_000 }); // only the events can prune
    try {
      expect(cleanup.mode).toBe('notifications');
      const users = ['ada', 'bob', 'cy', 'dee', 'eve', 'fay'];
      const nodes = new Set<number>();
      for (const u of users) nodes.add((await cluster.masterOf(d.k.index(u))).port);
      expect(nodes.size).toBe(3); // these users' keys live on all three masters
      for (const u of users) {
        const sid = randomUUID();
        const now = d.config.now();
        await client.multi().hset(d.k.session(u, sid), { userId: u }).pexpire(d.k.session(u, sid), 50).zadd(d.k.index(u), now + 50, sid).exec();
      }
      await waitFor(async () => (await Promise.all(users.map((u) => client.zcard(d.k.index(u))))).every((n) => n === 0), {
        what: 'every master\'s expiry event to prune its user\'s index',
      });
      expect((await readStats(d)).expirations).toBe(users.length);
    } finally {
      await cleanup.stop();
    }
  });
});
