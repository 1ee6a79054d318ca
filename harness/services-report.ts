// `npm run services`: what the harness finds, or how to start what is missing.
import Table from 'cli-table3';
import pc from 'picocolors';
import { redactUrl, resolveServices, ServiceUnavailableError, type ServiceName } from './services';

export async function printServices(): Promise<number> {
  const table = new Table({ head: ['service', 'url', 'found via', 'version', 'round trip'] });
  let missing = 0;
  const messages: string[] = [];
  for (const name of ['redis', 'postgres'] as ServiceName[]) {
    try {
      const s = (await resolveServices([name]))[name];
      table.push([name, redactUrl(s.url), s.source, s.version, `${s.rttMs.toFixed(2)} ms`]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableError)) throw err;
      missing++;
      table.push([name, pc.red('not found'), '', '', '']);
      messages.push(err.message);
    }
  }
  console.log(table.toString());
  if (messages.length) console.log(`\n${messages.join('\n\n')}`);
  return missing ? 2 : 0;
}
