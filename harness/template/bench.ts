// `npm run bench __LAB_ID__`: recording a visit against a raw INCR.
import type { BenchApi, BenchResult } from '../../harness/define-lab';
import { measure } from '../../harness/latency';
import { latencyMetric, ratio } from '../../harness/report';
import { createVisitCounter } from './src/visits';

export async function runBench({ ctx, quick }: BenchApi): Promise<BenchResult> {
  const visits = createVisitCounter(ctx.redis, ctx.keys);
  const stats = await measure((i) => visits.record('bench', `user-${i % 1000}`), { iterations: quick ? 2_000 : 20_000 });
  const raw = await measure(() => ctx.redis.incr(ctx.keys.key('raw', 'incr')), { iterations: quick ? 2_000 : 20_000 });
  return {
    metrics: [latencyMetric('record visit (MULTI INCR + PFADD)', stats), latencyMetric('raw INCR', raw)],
    ratios: [ratio('record_p50 / raw_incr_p50', stats.p50 / raw.p50)],
  };
}
