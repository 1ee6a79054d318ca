// Hot reload: a change committed on one side is the snapshot every watcher enforces, by pub/sub or,
// when the message is lost, by the version check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type LabContext } from '../../../harness/context';
import { whenRedisReady } from '../../../shared/redis-client';
import { PolicyStore } from '../src/store';
import { PolicyWatcher } from '../src/watcher';
import { TEST_RULES, TEST_TIERS, poll } from './helpers';

let ctx: LabContext;
let store: PolicyStore;
let channel: string;
beforeAll(async () => {
  ctx = await createTestContext('5.3.B', { serving: true });
  channel = ctx.keys.key('policy', 'changed');
  // The test's own publisher, with a patient bound: a loaded machine must not fail the set-up (the
  // gateway's publish is best effort, the version check its backstop; here only the push is tested).
  const publisher = ctx.newRedis({ commandTimeout: 5_000 });
  await whenRedisReady(publisher, 5_000);
  store = new PolicyStore(ctx.pg, async (v) => void (await publisher.publish(channel, String(v))));
  await store.migrate();
  await store.seedDefaults(TEST_TIERS, TEST_RULES);
});
afterAll(() => ctx.dispose());

/**
 * A subscriber as the gateway makes one (no command timeout: ioredis re-sends SUBSCRIBE after a
 * reconnect), ready before the watcher starts, so its SUBSCRIBE is done before the test publishes.
 * On a Redis Cluster it is one connection to one node: classic PUBLISH reaches every node's subscribers.
 */
async function subscriber() {
  const sub = ctx.newRedis({ commandTimeout: undefined });
  await whenRedisReady(sub, 5_000);
  return sub;
}

async function watcher(opts: { pollMs: number; channel?: string }): Promise<PolicyWatcher> {
  const w = new PolicyWatcher({ source: store, subscriber: await subscriber(), channel: opts.channel ?? channel, pollMs: opts.pollMs });
  await w.start();
  ctx.onDispose(() => w.stop());
  return w;
}

describe('exercise 3: hot reload — pub/sub push plus a version check backstop', () => {
  it('starts on the current version and swaps the whole snapshot when a change is announced', async () => {
    const w = await watcher({ pollMs: 60_000 });
    expect(w.version).toBe(await store.version());
    expect(w.current.tiers.get('free')?.limits).toEqual([{ window: 'day', limit: 5 }]);
    const changes: number[] = [];
    w.on('change', (s: { version: number }) => changes.push(s.version));
    const v = await store.putTier('test', { name: 'free', limits: [{ window: 'day', limit: 9 }], failMode: 'open', upgradeHint: '' });
    // The poll is a minute away: only the pub/sub message can deliver this.
    await poll(() => w.version).toBe(v);
    expect(w.current.tiers.get('free')?.limits).toEqual([{ window: 'day', limit: 9 }]);
    expect(changes).toEqual([v]);
  });

  it('a lost message is caught by the version check', async () => {
    const w = await watcher({ pollMs: 100, channel: ctx.keys.key('policy', 'nobody-publishes-here') });
    const v = await store.putRule('test', { id: 'late', method: '*', route: '/search', cost: 2, limits: [], shadow: false });
    await poll(() => w.version).toBe(v);
    expect(w.current.rules.map((r) => r.id)).toContain('late');
  });

  it('an announcement of a version it already has (or an older one) loads nothing', async () => {
    const w = await watcher({ pollMs: 60_000 });
    let loads = 0;
    const source = { version: () => store.version(), snapshot: () => (loads++, store.snapshot()) };
    const w2 = new PolicyWatcher({ source, subscriber: await subscriber(), channel, pollMs: 60_000 });
    await w2.start();
    ctx.onDispose(() => w2.stop());
    await w2.refresh(w.version);
    await w2.refresh(w.version - 1);
    expect(loads).toBe(1);
    const v = await store.putSettings('test', { shadow: false });
    await poll(() => w2.version).toBe(v);
    expect(loads).toBe(2);
  });
});
