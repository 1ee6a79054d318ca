// Gateway instances as separate OS processes (fork), for the exactness test, the demo and the bench.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { InstanceSpec } from './instance';

export interface GatewayProcess {
  url: string;
  id: string;
  stop(): Promise<void>;
}

export async function startGatewayProcess(spec: InstanceSpec, logLevel = 'warn'): Promise<GatewayProcess> {
  const child = fork(fileURLToPath(new URL('./gateway-main.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, GATEWAY_SPEC: JSON.stringify(spec), GATEWAY_LOG_LEVEL: logLevel },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<{ url: string; id: string }>((resolve, reject) => {
    child.once('message', (m: { url: string; id: string }) => resolve(m));
    child.once('exit', (code) => reject(new Error(`gateway process exited with ${code} before listening`)));
  });
  child.removeAllListeners('exit');
  return {
    ...ready,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
