// Entry of a forked downstream process: one listener per service name given (each its own port and
// state), the URLs sent to the parent; exits on SIGTERM or when the parent goes away.
import { listen } from '../../../shared/http';
import { createDownstreamApp } from './downstream';

const names = process.argv.slice(2);
const servers = await Promise.all(names.map((name) => listen(createDownstreamApp(name))));
process.send?.({ urls: Object.fromEntries(names.map((n, i) => [n, servers[i]!.url])) });
const stop = () => void Promise.all(servers.map((s) => s.close())).then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
