// Entry of a forked downstream process: listen on an ephemeral port, tell the parent the URL, and exit
// on SIGTERM or when the parent goes away.
import { listen } from '../../../shared/http';
import { createDownstreamApp } from './downstream';

const name = process.argv[2] ?? 'downstream';
const server = await listen(createDownstreamApp(name));
process.send?.({ url: server.url });
const stop = () => void server.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
