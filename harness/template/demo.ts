// `npm run lab __LAB_ID__`: the narrated demo.
import type { LabContext } from '../../harness/context';
import { createVisitCounter } from './src/visits';

export async function runDemo(ctx: LabContext): Promise<void> {
  const visits = createVisitCounter(ctx.redis, ctx.keys);
  for (const user of ['ada', 'grace', 'ada', 'linus', 'ada']) {
    const n = await visits.record('home', user);
    ctx.log.info(`${user} visited home: ${n} visits in all`);
  }
  ctx.log.info(`unique visitors: ${await visits.unique('home')}`);
}
