// Runs once before the suite: finds Redis and Postgres (or says how to start them) and hands the URLs
// to every test worker, so a testcontainers fallback is started once, not per file.
import { resolveServices, ServiceUnavailableError } from '../services';

export default async function setup(): Promise<void> {
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
}
