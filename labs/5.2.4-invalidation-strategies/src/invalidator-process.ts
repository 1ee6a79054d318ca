// Starts the invalidator as a separate OS process (what "a separate worker" means in production) and
// waits until it is subscribed.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { KeyBuilder } from '../../../shared/keys';
import type { StrategyWorker } from './strategy';

export async function startInvalidatorProcess(redisUrl: string, keys: KeyBuilder): Promise<StrategyWorker> {
  const child = fork(fileURLToPath(new URL('./invalidator-main.ts', import.meta.url)), [redisUrl, keys.prefix, keys.lab], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`invalidator exited with code ${code} before it was ready`)));
  });
  child.removeAllListeners('exit');
  return {
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
