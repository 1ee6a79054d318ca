// One calling process of the propagation bench (forked by bench-fleet.ts): per round it builds its own
// breaker — the shared Redis one on its own connections, or an in-process opossum that only sees its
// own failures — then, on "go", calls the downstream in a loop and tells the parent the moment it is
// first refused. The parent stamps the arrival on its own clock.
import CircuitBreaker from 'opossum';
import { createServingRedis } from '../../shared/redis-client';
import { keyBuilder } from '../../shared/keys';
import { breakerRedisOptions, createBreaker } from './src/breaker';
import { callDownstream } from './src/downstream';

export type Variant = 'redis-pubsub' | 'redis' | 'opossum';

export interface ArmMessage {
  type: 'arm';
  variant: Variant;
  /** Breaker name (the shared variants' Redis keys). */
  name: string;
  downstreamUrl: string;
  redisUrl: string;
  prefix: string;
  lab: string;
  minVolume: number;
  /** Give up calling after this long (ms) and report it. */
  giveUpMs: number;
}
export type ParentMessage = ArmMessage | { type: 'go' };
export type CallerMessage =
  | { type: 'ready' }
  | { type: 'armed' }
  | { type: 'refused'; failed: number }
  | { type: 'gave-up'; failed: number }
  | { type: 'error'; error: string };

interface Caller {
  call(): Promise<'ok' | 'failed' | 'refused'>;
  close(): Promise<void>;
}

let caller: Caller | undefined;
let giveUpMs = 10_000;

const send = (msg: CallerMessage) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));

async function arm(m: ArmMessage): Promise<Caller> {
  giveUpMs = m.giveUpMs;
  // One warm-up request opens this process's keep-alive connection, so the first timed call pays no connect.
  await fetch(`${m.downstreamUrl}/admin/behaviour`).then((r) => r.arrayBuffer());
  if (m.variant === 'opossum') {
    const b = new CircuitBreaker(() => callDownstream(m.downstreamUrl), { timeout: false, errorThresholdPercentage: 50, volumeThreshold: m.minVolume, resetTimeout: 60_000, rollingCountTimeout: 10_000, rollingCountBuckets: 10 });
    return {
      // Refused = opossum short-circuited the call; the call whose failure trips the breaker did reach
      // the sick service, so it counts as failed even though the breaker is open by the time it rejects.
      call: () => b.fire().then(() => 'ok' as const, (err: { code?: string }) => (err?.code === 'EOPENBREAKER' ? 'refused' : 'failed')),
      close: async () => b.shutdown(),
    };
  }
  const redis = createServingRedis(m.redisUrl, breakerRedisOptions);
  const subscriber = m.variant === 'redis-pubsub' ? createServingRedis(m.redisUrl) : undefined;
  const b = await createBreaker({ name: m.name, redis, subscriber, keys: keyBuilder({ prefix: m.prefix, lab: m.lab }), minVolume: m.minVolume, coolDownMs: 60_000 });
  return {
    call: () => b.call(async () => (await callDownstream(m.downstreamUrl), 'ok' as const), ({ reason }) => (reason === 'open' ? 'refused' : 'failed')),
    close: async () => {
      await b.close();
      redis.disconnect();
      subscriber?.disconnect();
    },
  };
}

/** Calls until refused (reported at once) or until giving up. */
async function run(c: Caller): Promise<void> {
  const t0 = performance.now();
  let failed = 0;
  while (performance.now() - t0 < giveUpMs) {
    const outcome = await c.call();
    if (outcome === 'refused') return send({ type: 'refused', failed });
    if (outcome === 'failed') failed++;
    await new Promise((r) => setTimeout(r, 2));
  }
  await send({ type: 'gave-up', failed });
}

process.on('message', (m: ParentMessage) => {
  const step =
    m.type === 'arm'
      ? (async () => {
          await caller?.close();
          caller = await arm(m);
          await send({ type: 'armed' });
        })()
      : run(caller!);
  step.catch(async (err: unknown) => {
    await send({ type: 'error', error: (err as Error).stack ?? String(err) });
    process.exit(1);
  });
});
// The parent going away (finished, crashed or killed) ends this process too.
process.on('disconnect', () => process.exit(0));
void send({ type: 'ready' });
