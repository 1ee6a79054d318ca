// A TCP proxy on loopback that adds a fixed delay each way: the harness's stand-in for a database
// in another zone, so a bench can show how network distance changes the value of a cache.
import net from 'node:net';

export interface LatencyProxy {
  port: number;
  /** Connection URL with the host/port replaced by the proxy's. */
  rewrite(url: string): string;
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export interface ProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Delay added to every chunk in each direction (ms). */
  delayMs: number;
  port?: number;
}

export async function startLatencyProxy(opts: ProxyOptions): Promise<LatencyProxy> {
  let delayMs = opts.delayMs;
  const sockets = new Set<net.Socket>();
  // Chunks keep their order: each is written after the same fixed delay, so timers fire in order.
  const pipeDelayed = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (delayMs <= 0) to.write(chunk);
      else setTimeout(() => to.writable && to.write(chunk), delayMs);
    });
    from.on('end', () => setTimeout(() => to.end(), delayMs));
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(opts.targetPort, opts.targetHost);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    rewrite(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
