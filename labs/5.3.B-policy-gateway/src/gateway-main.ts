// Entry of a forked gateway process (two of them make the exactness test, the demo and the bench's
// hot-reload measure). The spec comes as JSON in GATEWAY_SPEC; the URL goes back over IPC.
import { pino } from 'pino';
import { startInstance, type InstanceSpec } from './instance';

const spec = JSON.parse(process.env.GATEWAY_SPEC ?? '{}') as InstanceSpec;
const log = pino({ level: process.env.GATEWAY_LOG_LEVEL ?? 'warn' });
const running = await startInstance(spec, log);
process.send?.({ url: running.url, id: running.gateway.id });
const stop = () => void running.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
