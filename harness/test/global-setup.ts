// Runs once before the suite: finds Redis and Postgres (or says how to start them) and hands the URLs
// to every test worker, so a testcontainers fallback is started once, not per file. Embedded servers
// this run started are stopped at the end: `npm test` leaves running only what was running before.
import { runningEmbedded, stopEmbedded, type EmbeddedKind } from '../embedded';
import { resolveServices, ServiceUnavailableError } from '../services';

export default async function setup(): Promise<() => Promise<void>> {
  const before = await runningEmbedded();
  try {
    const s = await resolveServices();
    process.env.REDIS_URL = s.redis.url;
    process.env.DATABASE_URL = s.postgres.url;
  } catch (err) {
    if (err instanceof ServiceUnavailableError) {
      console.error(`\n${err.message}\n`);
      throw new Error('Redis/Postgres not available; see the message above.');
    }
    throw err;
  }
  return async () => {
    const now = await runningEmbedded();
    const startedHere = (['redis', 'postgres'] as EmbeddedKind[]).filter((k) => now[k] && now[k].pid !== before[k]?.pid);
    if (startedHere.length) await stopEmbedded(startedHere);
  };
}
