// A worker process of the race runner: loads the actor module, sets up, reports ready, waits for
// "go", runs its share of actors and sends back their outcomes.
import { useImplFromEnv } from './impl-register';
import { runActors, type RaceActor } from './race';

// Learner mode (`npm run grade <id> -- --impl …`) swaps the lab's src/ in worker processes too, not only
// in the vitest process, so a multi-process test grades the implementation under test.
useImplFromEnv();

interface StartMessage {
  type: 'start';
  moduleUrl: string;
  exportName: string;
  args: unknown;
  from: number;
  count: number;
}

const send = (msg: unknown) => new Promise<void>((resolve) => process.send!(msg, () => resolve()));

process.once('message', async (start: StartMessage) => {
  try {
    const mod = (await import(start.moduleUrl)) as Record<string, RaceActor>;
    const actor = mod[start.exportName];
    if (!actor) throw new Error(`no export ${start.exportName} in ${start.moduleUrl}`);
    const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
    const outcomes = await runActors(actor, start.args, start.from, start.count, async () => {
      await send({ type: 'ready' });
      await go;
    });
    await send({ type: 'done', outcomes });
    process.exit(0);
  } catch (err) {
    await send({ type: 'error', error: (err as Error).stack ?? String(err) });
    process.exit(1);
  }
});
