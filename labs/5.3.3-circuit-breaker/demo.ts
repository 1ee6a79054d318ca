// `npm run lab 5.3.3`: three API instances (own Redis connections each) call a flaky payments service
// through one shared breaker. The service gets sick, the breaker opens for everybody, probes, closes;
// an operator forces it open and resets it. `-- breaker <op> <name>` is the admin CLI; `-- serve` the API.
import Table from 'cli-table3';
import express from 'express';
import type { LabContext } from '../../harness/context';
import { waitFor } from '../../harness/ports';
import { UsageError } from '../../harness/usage-error';
import { listen } from '../../shared/http';
import { breakerRedisOptions, createBreaker, type RedisCircuitBreaker, type Transition } from './src/breaker';
import { BREAKER_USAGE, breakerCommand } from './src/cli';
import { callDownstream, createDownstream, setBehaviour } from './src/downstream';

export async function runDemo(ctx: LabContext, argv: string[]): Promise<void> {
  if (argv[0] === 'breaker') {
    await breakerCommand(ctx, argv.slice(1));
    return;
  }
  if (argv.length) throw new UsageError(`unknown subcommand "${argv[0]}"; try: npm run lab 5.3.3, npm run lab 5.3.3 -- serve, or ${BREAKER_USAGE}`);

  const downstream = createDownstream({ latencyMs: 2 });
  const payments = await listen(downstream.app);
  const alerts: Transition[] = [];
  const receiver = express().use(express.json());
  receiver.post('/alerts', (req, res) => {
    alerts.push(req.body as Transition);
    res.sendStatus(204);
  });
  const hook = await listen(receiver);
  const instances: RedisCircuitBreaker[] = [];
  try {
    for (const id of ['api-1', 'api-2', 'api-3']) {
      instances.push(
        await createBreaker({
          name: 'payments',
          id,
          redis: ctx.newRedis(breakerRedisOptions),
          subscriber: ctx.newRedis(),
          keys: ctx.keys,
          log: ctx.log,
          webhookUrl: `${hook.url}/alerts`,
          bucketMs: 500,
          buckets: 10,
          minVolume: 20,
          failureThreshold: 0.5,
          coolDownMs: 1_500,
          halfOpenProbes: 2,
        }),
      );
    }
    await instances[0]!.reset('demo start');
    ctx.log.info(`payments on ${payments.url}; 3 instances share breaker "payments" (≥ 20 calls in 5 s, ≥ 50 % failing → open 1.5 s, 2 probes)`);

    const table = new Table({ head: ['phase', 'instance', 'paid', 'failed', 'refused (fallback)', 'state at end'] });
    const phase = async (label: string, ms: number) => {
      const rows = await traffic(instances, payments.url, ms);
      rows.forEach((r, i) => table.push([i === 0 ? label : '', instances[i]!.id, r.paid, r.failed, r.refused, instances[i]!.current.state]));
    };

    await phase('healthy', 1_000);
    ctx.log.info('payments starts failing 80 % of calls');
    await setBehaviour(payments.url, { failureRate: 0.8 }, downstream.adminKey);
    const sickAt = Date.now();
    const refusing = phase('sick', 2_500);
    await waitFor(() => instances.every((b) => b.current.state !== 'closed'), { what: 'every instance to stop calling' });
    ctx.log.info(`every instance refused calls ${Date.now() - sickAt} ms after payments got sick (the 5 s window still held the healthy calls, so failures had to outweigh them)`);
    await refusing;
    ctx.log.info('payments recovers; the next half-open probes succeed');
    await setBehaviour(payments.url, { failureRate: 0 }, downstream.adminKey);
    await phase('recovering', 2_500);
    await waitFor(() => instances.every((b) => b.current.state === 'closed'), { what: 'the breaker to close', timeoutMs: 10_000 });
    ctx.log.info('an operator forces the breaker open (same as: npm run lab 5.3.3 -- breaker open payments)');
    await instances[2]!.forceOpen('maintenance window');
    await phase('forced open', 500);
    await instances[2]!.reset('maintenance over');
    console.log(table.toString());
    await waitFor(() => alerts.some((a) => a.reason === 'maintenance over'), { what: 'the last webhook alert', timeoutMs: 3_000 }).catch(() => {});
    ctx.log.info(`the webhook received ${alerts.length} alerts: ${alerts.map((a) => `${a.from}→${a.to} by ${a.by}`).join(', ')}`);
  } finally {
    for (const b of instances) await b.close();
    await payments.close();
    await hook.close();
  }
}

/** Each instance calls payments in a loop for `ms`; a refused or failed call takes the fallback. */
async function traffic(instances: RedisCircuitBreaker[], url: string, ms: number) {
  const until = Date.now() + ms;
  return Promise.all(
    instances.map(async (b) => {
      const r = { paid: 0, failed: 0, refused: 0 };
      while (Date.now() < until) {
        await b.call(
          async () => {
            await callDownstream(url);
            r.paid++;
          },
          ({ reason }) => {
            if (reason === 'open') r.refused++;
            else r.failed++;
          },
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return r;
    }),
  );
}
