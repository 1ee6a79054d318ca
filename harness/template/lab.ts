import { defineLab } from '../../harness/define-lab';
import { latencyMetric, ratio } from '../../harness/report';
import { measure } from '../../harness/latency';
import { createVisitCounter } from './src/visits';

export default defineLab({
  id: '__LAB_ID__',
  title: '__LAB_TITLE__',
  summary: 'A page-visit counter: INCR for totals, a HyperLogLog for unique visitors.',
  // Every command needs Redis only; per command instead: { run: ['redis'], bench: ['redis', 'postgres'] }.
  services: ['redis'],
  async run(ctx) {
    const visits = createVisitCounter(ctx.redis, ctx.keys);
    for (const user of ['ada', 'grace', 'ada', 'linus', 'ada']) {
      const n = await visits.record('home', user);
      ctx.log.info(`${user} visited home: ${n} visits in all`);
    }
    ctx.log.info(`unique visitors: ${await visits.unique('home')}`);
  },
  async bench({ ctx, quick }) {
    const visits = createVisitCounter(ctx.redis, ctx.keys);
    const stats = await measure((i) => visits.record('bench', `user-${i % 1000}`), { iterations: quick ? 2_000 : 20_000 });
    const raw = await measure(() => ctx.redis.incr(ctx.keys.key('raw', 'incr')), { iterations: quick ? 2_000 : 20_000 });
    return {
      metrics: [latencyMetric('record visit (MULTI INCR + PFADD)', stats), latencyMetric('raw INCR', raw)],
      ratios: [ratio('record_p50 / raw_incr_p50', stats.p50 / raw.p50)],
    };
  },
});
