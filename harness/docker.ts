// Is a Docker engine really answering? A socket file alone is not enough (Docker Desktop quit, a
// stale /var/run/docker.sock): the harness only falls back to testcontainers when GET /_ping says OK.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';

export type DockerEndpoint = { socketPath: string } | { host: string; port: number };

/** Where testcontainers would look, in its order: DOCKER_HOST, ~/.testcontainers.properties, the usual sockets. */
export function dockerEndpoints(env: NodeJS.ProcessEnv = process.env): DockerEndpoint[] {
  const out: DockerEndpoint[] = [];
  const fromUrl = (url: string) => {
    if (url.startsWith('unix://')) out.push({ socketPath: url.slice('unix://'.length) });
    else if (url.startsWith('npipe://')) out.push({ socketPath: url.slice('npipe://'.length).replace(/\//g, '\\') });
    else if (url.startsWith('tcp://')) {
      const u = new URL(url.replace(/^tcp:/, 'http:'));
      out.push({ host: u.hostname, port: Number(u.port || 2375) });
    }
  };
  if (env.DOCKER_HOST) fromUrl(env.DOCKER_HOST);
  const props = path.join(os.homedir(), '.testcontainers.properties');
  if (existsSync(props)) {
    const host = /^docker\.host\s*=\s*(\S+)/m.exec(readFileSync(props, 'utf8'))?.[1];
    if (host) fromUrl(host);
  }
  if (process.platform === 'win32') out.push({ socketPath: '\\\\.\\pipe\\docker_engine' });
  const sockets = [
    '/var/run/docker.sock',
    env.XDG_RUNTIME_DIR && path.join(env.XDG_RUNTIME_DIR, 'docker.sock'),
    path.join(os.homedir(), '.docker', 'run', 'docker.sock'),
    path.join(os.homedir(), '.docker', 'desktop', 'docker.sock'),
    typeof process.getuid === 'function' && `/run/user/${process.getuid()}/docker.sock`,
  ];
  for (const s of sockets) if (s && existsSync(s)) out.push({ socketPath: s });
  return out;
}

/** GET /_ping on one endpoint; true when the engine answers OK within `timeoutMs`. */
export function pingDocker(endpoint: DockerEndpoint, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    // Plain HTTP: a TLS-only tcp engine answers 400 to it, which still proves an engine is there.
    const req = http.get({ ...endpoint, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 || (res.statusCode === 400 && 'host' in endpoint));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** True when some Docker engine answers, so testcontainers can start what is missing. */
export async function dockerReachable(endpoints = dockerEndpoints()): Promise<boolean> {
  const answers = await Promise.all(endpoints.map((e) => pingDocker(e)));
  return answers.some(Boolean);
}
