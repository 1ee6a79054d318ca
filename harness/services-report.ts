// `npm run services`: what the harness finds, or how to start what is missing.
// `npm run services -- stop`: stops the embedded servers (never a server the harness did not start).
import Table from 'cli-table3';
import path from 'node:path';
import pc from 'picocolors';
import { embeddedDir, stopEmbedded } from './embedded';
import { redactUrl, resolveServices, ServiceUnavailableError, type ServiceInfo, type ServiceName } from './services';

/** The data folder as the user would type it: relative when it is inside the current folder. */
function shownDir(): string {
  const rel = path.relative(process.cwd(), embeddedDir());
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : embeddedDir();
}

function foundVia(s: ServiceInfo): string {
  if (!s.embedded) return s.source;
  return `embedded (${s.embedded.started ? 'started now' : 'already running'}, pid ${s.embedded.pid})`;
}

export async function printServices(): Promise<number> {
  const table = new Table({ head: ['service', 'url', 'found via', 'version', 'round trip'] });
  let missing = 0;
  let embedded = false;
  const messages: string[] = [];
  for (const name of ['redis', 'postgres'] as ServiceName[]) {
    try {
      const s = (await resolveServices([name]))[name];
      embedded ||= s.source === 'embedded';
      table.push([name, redactUrl(s.url), foundVia(s), s.version, `${s.rttMs.toFixed(2)} ms`]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableError)) throw err;
      missing++;
      table.push([name, pc.red('not found'), '', '', '']);
      if (!messages.includes(err.message)) messages.push(err.message);
    }
  }
  console.log(table.toString());
  if (embedded) {
    console.log(pc.dim(`embedded servers keep their data in ${shownDir()} and keep running for the next command; \`npm run services -- stop\` stops them`));
  }
  if (messages.length) console.log(`\n${messages.join('\n\n')}`);
  return missing ? 2 : 0;
}

export async function stopServices(): Promise<number> {
  const stopped = await stopEmbedded();
  if (!stopped.length) console.log('no embedded servers are running');
  for (const s of stopped) console.log(`stopped the embedded ${s.kind} on 127.0.0.1:${s.port} (pid ${s.pid}); its data stays in ${shownDir()}`);
  return 0;
}
