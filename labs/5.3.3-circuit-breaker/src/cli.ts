// `npm run lab 5.3.3 -- breaker <open|close|reset|status> <name> [--reason text]`: admin controls from
// the command line, against the same Redis keys every process shares.
import Table from 'cli-table3';
import type { LabContext } from '../../../harness/context';
import { parseArgsOrUsage, UsageError } from '../../../harness/usage-error';
import { BreakerNameSchema } from './registry';
import { createBreaker, type BreakerStatus } from './breaker';

const ACTIONS = ['open', 'close', 'reset', 'status'] as const;
type Action = (typeof ACTIONS)[number];
export const BREAKER_USAGE = 'usage: npm run lab 5.3.3 -- breaker <open|close|reset|status> <name> [--reason "why"]';

export async function breakerCommand(ctx: LabContext, argv: string[]): Promise<BreakerStatus> {
  const { values, positionals } = parseArgsOrUsage({ args: argv, options: { reason: { type: 'string' } }, allowPositionals: true, strict: true }, BREAKER_USAGE);
  const [action, name, ...extra] = positionals;
  if (!ACTIONS.includes(action as Action) || !name || extra.length) throw new UsageError(BREAKER_USAGE);
  if (!BreakerNameSchema.safeParse(name).success) throw new UsageError(`invalid breaker name "${name}"; ${BREAKER_USAGE}`);
  const breaker = await createBreaker({ name, redis: ctx.redis, keys: ctx.keys, log: ctx.log });
  try {
    if (action === 'open') await breaker.forceOpen(values.reason);
    else if (action === 'close') await breaker.forceClose(values.reason);
    else if (action === 'reset') await breaker.reset(values.reason);
    const s = await breaker.status();
    const table = new Table({ head: ['breaker', 'state', 'forced', 'version', 'since', 'open until', 'window calls', 'failures', 'reason'] });
    const time = (ms: number) => (ms ? new Date(ms).toISOString().slice(11, 23) : '');
    table.push([s.name, s.state, s.forced || 'no', s.version, time(s.since), time(s.openUntil), s.window.calls, s.window.failures, s.reason]);
    console.log(table.toString());
    return s;
  } finally {
    await breaker.close();
  }
}
