// The invalidator as its own process: `tsx src/invalidator-main.ts <redis-url> <key-prefix> <lab>`.
// It tells its parent (if forked) "ready" once subscribed, and exits on SIGTERM or when the parent goes.
import { connectRedis } from '../../../shared/redis-client';
import { keyBuilder } from '../../../shared/keys';
import { startInvalidator } from './events';

const [url, prefix, lab] = process.argv.slice(2);
if (!url || prefix === undefined || !lab) {
  console.error('usage: invalidator-main.ts <redis-url> <key-prefix> <lab>');
  process.exit(2);
}
// connectRedis: a redis-cluster:// URL gives a Cluster client (PUBLISH on any node reaches every subscriber).
const redis = connectRedis(url);
const invalidator = await startInvalidator(connectRedis(url), redis, keyBuilder({ prefix, lab }));
const stop = async () => {
  await invalidator.close();
  redis.disconnect();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('disconnect', () => void stop());
if (process.send) process.send('ready');
else console.log('invalidator ready');
