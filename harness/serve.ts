// `npm run lab <id> -- serve [--port N]`: the lab's HTTP service alone, until Ctrl-C.
import net from 'node:net';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { listen } from '../shared/http';
import { createContext } from './context';
import { servicesFor, type LabDefinition } from './define-lab';
import { labSchema } from './lab-schema';
import { UsageError } from './usage-error';

export async function serveLab(def: LabDefinition, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string', default: '3000' } }, strict: false }); // checkLabArgs refused unknown flags
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${values.port}`);
  if (port) await assertPortFree(port); // before connecting and seeding: a busy port fails at once
  const ctx = await createContext({ lab: def.id, schema: labSchema(def.id), services: servicesFor(def, 'serve'), serving: true });
  const served = await def.serve!(ctx, argv);
  const { app, close, attach } = typeof served === 'function' ? { app: served, close: undefined, attach: undefined } : served;
  const server = await listen(app, port).catch(async (err: NodeJS.ErrnoException) => {
    await Promise.all([close?.(), ctx.dispose()]);
    throw portError(err, port);
  });
  attach?.(server.server);
  console.log(`${pc.bold(def.id)} ${def.title} listening on ${pc.cyan(server.url)}  (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\nstopping…');
  // Together: server.close() waits for upgraded (WebSocket) sockets, which only the lab's close() ends.
  await Promise.all([server.close(), close?.()]);
  await ctx.dispose();
}

/** A port we cannot listen on is the caller's to change: one line, exit 2, not a stack. */
function portError(err: NodeJS.ErrnoException, port: number): Error {
  if (err.code === 'EADDRINUSE') return new UsageError(`port ${port} is already in use: stop what listens there, or pick another with --port N (--port 0 takes any free one)`);
  if (err.code === 'EACCES') return new UsageError(`port ${port} needs privileges this user lacks: pick one above 1023 with --port N`);
  return err;
}

async function assertPortFree(port: number): Promise<void> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, port)));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}
