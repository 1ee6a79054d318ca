// The testcontainers fallback is tried only when a Docker engine really answers, not when a socket
// file merely exists. A fake engine on a unix socket stands in for Docker.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerEndpoints, dockerReachable, pingDocker } from '../docker';

const tmp = mkdtempSync(path.join(tmpdir(), 'wb-docker-test-'));
const live = path.join(tmp, 'live.sock');
const stale = path.join(tmp, 'stale.sock');
let engine: http.Server;

beforeAll(async () => {
  engine = http.createServer((req, res) => {
    res.writeHead(req.url === '/_ping' ? 200 : 404).end('OK');
  });
  await new Promise<void>((resolve) => engine.listen(live, resolve));
  writeFileSync(stale, ''); // a file where a socket used to be: nobody listens
});
afterAll(async () => {
  await new Promise<void>((resolve) => engine.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('docker reachability', () => {
  it('an engine that answers /_ping counts; a stale or missing socket does not', async () => {
    expect(await pingDocker({ socketPath: live })).toBe(true);
    expect(await pingDocker({ socketPath: stale })).toBe(false);
    expect(await pingDocker({ socketPath: path.join(tmp, 'missing.sock') })).toBe(false);
    expect(await dockerReachable([{ socketPath: stale }, { socketPath: live }])).toBe(true);
    expect(await dockerReachable([{ socketPath: stale }])).toBe(false);
    expect(await dockerReachable([])).toBe(false);
  });

  it('DOCKER_HOST comes first, as unix, tcp or npipe', () => {
    expect(dockerEndpoints({ DOCKER_HOST: `unix://${live}` })[0]).toEqual({ socketPath: live });
    expect(dockerEndpoints({ DOCKER_HOST: 'tcp://10.0.0.5:2376' })[0]).toEqual({ host: '10.0.0.5', port: 2376 });
    expect(dockerEndpoints({ DOCKER_HOST: 'npipe:////./pipe/docker_engine' })[0]).toEqual({ socketPath: '\\\\.\\pipe\\docker_engine' });
  });
});
