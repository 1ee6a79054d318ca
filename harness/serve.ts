// `npm run lab <id> -- serve [--port N]`: the lab's HTTP service alone, until Ctrl-C.
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { listen } from '../shared/http';
import { createContext } from './context';
import { servicesFor, type LabDefinition } from './define-lab';
import { labSchema } from './lab-schema';
import { UsageError } from './usage-error';

export async function serveLab(def: LabDefinition, argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string', default: '3000' } }, strict: false });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${values.port}`);
  const ctx = await createContext({ lab: def.id, schema: labSchema(def.id), services: servicesFor(def, 'serve'), serving: true });
  const served = await def.serve!(ctx, argv);
  const { app, close, attach } = typeof served === 'function' ? { app: served, close: undefined, attach: undefined } : served;
  const server = await listen(app, port);
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
