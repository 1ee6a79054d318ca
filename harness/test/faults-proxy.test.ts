import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startRedisServer, type ManagedRedis } from '../faults';
import { waitFor } from '../ports';
import { startLatencyProxy } from '../proxy';

let server: ManagedRedis | undefined;
afterAll(() => server?.dispose());

describe('a Redis the harness manages', () => {
  it('stops and restarts on the same port; clients reconnect by themselves', async () => {
    server = await startRedisServer();
    const client = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => {});
    try {
      await client.set('k', 'v');
      await server.stop();
      expect(server.running).toBe(false);
      await expect(client.get('k')).rejects.toThrow();
      await server.start();
      // It keeps nothing on disk: the key is gone, but the same client works again.
      await waitFor(async () => (await client.ping()) === 'PONG', { what: 'reconnect' });
      expect(await client.get('k')).toBeNull();
    } finally {
      client.disconnect();
    }
  });
});

describe('a port someone else holds', () => {
  it('is not mistaken for our server: the start fails (an explicit port) instead of answering with the other server', async () => {
    const other = await startRedisServer();
    try {
      await expect(startRedisServer({ port: other.port })).rejects.toThrow(/taken by another process/);
    } finally {
      await other.dispose();
    }
  });
});

describe('latency proxy', () => {
  it('forwards traffic both ways, in order', async () => {
    server ??= await startRedisServer();
    const proxy = await startLatencyProxy({ targetHost: '127.0.0.1', targetPort: server.port, delayMs: 2 });
    const client = new Redis(proxy.rewrite(server.url));
    try {
      const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => client.echo(`m${i}`)));
      expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
      proxy.setDelay(0);
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
      await proxy.close();
    }
  });
});

describe('a managed Redis with a password', () => {
  it('starts (its readiness check authenticates) and refuses clients without the password', async () => {
    const secured = await startRedisServer({ args: ['--requirepass', 's3cret'] });
    const anonymous = new Redis(secured.url, { lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => {});
    const authed = new Redis(secured.url.replace('redis://', 'redis://:s3cret@'));
    try {
      await anonymous.connect();
      await expect(anonymous.ping()).rejects.toThrow(/NOAUTH/);
      expect(await authed.ping()).toBe('PONG');
    } finally {
      anonymous.disconnect();
      authed.disconnect();
      await secured.dispose();
    }
  });
});
