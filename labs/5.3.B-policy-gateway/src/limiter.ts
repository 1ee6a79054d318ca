// The caller of decide.lua: one EVALSHA per request with every bucket of the plan, bounded in time.
// A Redis that does not answer within `boundMs` is an outage; the plan's fail mode decides what then.
import { NotImplementedError } from '../../../shared/errors';
import type { KeyBuilder } from '../../../shared/keys';
import { luaCommand, type LuaCommand } from '../../../shared/lua';
import { isRedisUnavailable, type RedisClient } from '../../../shared/redis-client';
import { deadline, LimiterTimeout, type Deadline } from '../../5.3.1-token-bucket/src/timeout';
import { DECIDE_LUA } from './decide';
import type { Identity, Plan, PlannedLimit } from './plan';

export interface LimitResult {
  limit: PlannedLimit;
  remaining: number;
  /** ms until this bucket could pay the cost (0 now, -1 never). */
  retryMs: number;
  /** ms until one more unit is available (-1 never). */
  nextMs: number;
  /** This bucket could not pay: a denial if enforced, a would-be denial if shadow. */
  short: boolean;
}

export interface LimitDecision {
  allowed: boolean;
  /** Enforcement was skipped because Redis did not answer (fail open) — or refused for it (fail closed). */
  failure?: 'open' | 'closed';
  /** Only shadow buckets were short: the request goes through, the would-be denial is counted. */
  shadowDenied: boolean;
  results: LimitResult[];
  /** Seconds to wait, for Retry-After on a denial. */
  retryAfterSec?: number;
  /** The fullest share (0..1) of any bucket's capacity used after this request: near-limit analytics. */
  usage: number;
}

export class Limiter {
  // defineCommand needs a fixed key count: one command per bucket count a plan actually uses.
  private readonly scripts = new Map<number, LuaCommand<number[]>>();
  private readonly bounded: Deadline;
  private readonly now?: () => number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeyBuilder,
    opts: { boundMs?: number; now?: () => number } = {},
  ) {
    this.bounded = deadline(opts.boundMs ?? 250);
    this.now = opts.now;
  }

  /** The bucket's key: every bucket of one identity shares its {hash tag}, so one script may touch them all. */
  bucketKey(identity: Identity, limit: PlannedLimit): string {
    return this.keys.tagged('bucket', identity.id, limit.bucket);
  }

  async decide(identity: Identity, plan: Plan): Promise<LimitDecision> {
    if (plan.limits.length === 0) return { allowed: true, shadowDenied: false, results: [], usage: 0 };
    let reply: number[];
    try {
      reply = await this.bounded(this.call(identity, plan));
    } catch (err) {
      if (isNotImplemented(err)) throw new NotImplementedError('exercise 2: decide.lua — every limit in one call, all or nothing');
      // No answer in time, or no connection: an outage, decided by the fail mode. Anything else (a
      // script error) is a bug and surfaces as one.
      if (!(err instanceof LimiterTimeout) && !isRedisUnavailable(err)) throw err;
      return plan.failMode === 'open'
        ? { allowed: true, failure: 'open', shadowDenied: false, results: [], usage: 0 }
        : { allowed: false, failure: 'closed', shadowDenied: false, results: [], retryAfterSec: 1, usage: 0 };
    }
    return parseDecision(plan, reply);
  }

  private call(identity: Identity, plan: Plan): Promise<number[]> {
    const keys = plan.limits.map((l) => this.bucketKey(identity, l));
    const args: Array<string | number> = [];
    for (const l of plan.limits) args.push(l.capacity, l.perSec, l.shadow ? 1 : 0);
    args.push(plan.cost);
    if (this.now) args.push(Math.round(this.now()));
    let script = this.scripts.get(keys.length);
    if (!script) this.scripts.set(keys.length, (script = luaCommand<number[]>(this.redis, `gwDecide${keys.length}`, DECIDE_LUA, keys.length)));
    return script(keys, args);
  }
}

export function parseDecision(plan: Plan, reply: number[]): LimitDecision {
  const allowed = reply[0] === 1;
  const results: LimitResult[] = plan.limits.map((limit, i) => ({
    limit,
    remaining: Number(reply[2 + 4 * i]),
    retryMs: Number(reply[3 + 4 * i]),
    nextMs: Number(reply[4 + 4 * i]),
    short: reply[5 + 4 * i] === 1,
  }));
  const shadowDenied = results.some((r) => r.short && r.limit.shadow);
  let retryAfterSec: number | undefined;
  if (!allowed) {
    const waits = results.filter((r) => r.short && !r.limit.shadow).map((r) => (r.retryMs < 0 ? r.limit.windowSec * 1000 : r.retryMs));
    retryAfterSec = Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }
  const usage = Math.max(0, ...results.map((r) => 1 - r.remaining / r.limit.capacity));
  return { allowed, shadowDenied, results, retryAfterSec, usage };
}

function isNotImplemented(err: unknown): boolean {
  return err instanceof Error && err.message.includes('NotImplemented');
}
