// One gateway instance with its own connections, from plain settings: what serve, the demo, the
// forked gateway processes and the tests all start.
import type { RedisOptions } from 'ioredis';
import pg from 'pg';
import type { Logger } from 'pino';
import { listen, type Listening } from '../../../shared/http';
import { keyBuilder } from '../../../shared/keys';
import { createServingRedis, whenRedisReady } from '../../../shared/redis-client';
import type { GatewayConfigInput } from './config';
import { createGateway, type Gateway } from './gateway';

export interface InstanceSpec {
  redisUrl: string;
  postgresUrl: string;
  schema: string;
  prefix: string;
  config: GatewayConfigInput;
  port?: number;
  /** Per-command Redis timeout (default: the shared serving client's 400 ms). */
  commandTimeoutMs?: number;
}

export interface RunningInstance {
  gateway: Gateway;
  server: Listening;
  url: string;
  close(): Promise<void>;
}

export async function startInstance(spec: InstanceSpec, log: Logger, now?: () => number): Promise<RunningInstance> {
  const clients: ReturnType<typeof createServingRedis>[] = [];
  const newRedis = (options: RedisOptions = {}) => {
    const r = createServingRedis(spec.redisUrl, { log, name: 'gateway', ...options, ...(spec.commandTimeoutMs ? { commandTimeout: spec.commandTimeoutMs } : {}) });
    clients.push(r);
    return r;
  };
  const redis = newRedis();
  await whenRedisReady(redis, 5_000).catch(() => {});
  const pool = new pg.Pool({ connectionString: spec.postgresUrl, max: 5, options: `-c search_path="${spec.schema.replace(/"/g, '""')}"` });
  pool.on('error', (err) => log.warn({ err: err.message }, 'postgres pool error'));
  const gateway = await createGateway({ config: spec.config, redis, newRedis, pool, keys: keyBuilder({ prefix: spec.prefix, lab: '5.3.B' }), log, now });
  const server = await listen(gateway.app, spec.port ?? 0);
  return {
    gateway,
    server,
    url: server.url,
    async close() {
      await server.close();
      await gateway.close();
      for (const c of clients) {
        // A deliberate shutdown is not an outage: no "redis is unavailable" line for it.
        c.removeAllListeners('close');
        c.disconnect();
      }
      await pool.end().catch(() => {});
    },
  };
}
