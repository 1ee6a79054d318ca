// `npm run lab 5.1.2 -- join <room> --user alice [--password …] [--url http://127.0.0.1:3000]`:
// a terminal chat client. Each line you type is a message; arrivals are printed as they come.
// Commands: /who (who is online), /quit. End of input (Ctrl-D, or a pipe that ends) leaves too.
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import type { LabContext } from '../../harness/context';
import { UsageError } from '../../harness/usage-error';
import { AppError, UnauthorizedError } from '../../shared/errors';
import { ChatClient, loginOrRegister } from './src/client';
import type { ServerFrame } from './src/protocol';

const time = (ts: number) => new Date(ts).toTimeString().slice(0, 8);

// C0 and C1 controls, DEL, and the bidi overrides/isolates: printed raw, another user's text could move
// the cursor, clear the screen, retitle the terminal, rewrite a line with CR, or reorder what you read.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Another user's text as visible, inert characters: ESC becomes `\x1b`, CR `\x0d`, and so on. */
export const printable = (s: string): string => s.replace(UNSAFE, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** One line per frame worth showing. */
export function formatFrame(f: ServerFrame, me: string): string | undefined {
  switch (f.type) {
    case 'message': {
      const user = printable(f.user);
      return `${pc.dim(time(f.ts))} ${pc.dim(`#${printable(f.room)}`)} ${f.user === me ? pc.cyan(user) : pc.bold(user)}: ${printable(f.text)}`;
    }
    case 'join':
      return pc.green(`${pc.dim(time(f.ts))} * ${printable(f.user)} joined #${printable(f.room)}`);
    case 'leave':
      return pc.yellow(`${pc.dim(time(f.ts))} * ${printable(f.user)} left #${printable(f.room)} (${printable(String(f.reason))})`);
    case 'presence':
      return pc.dim(`online in #${printable(f.room)}: ${f.online.map(printable).join(', ') || 'nobody'}`);
    case 'error':
      return pc.red(`! ${printable(f.code)}: ${printable(f.message)}`);
    default:
      return undefined;
  }
}

export async function runJoin(_ctx: LabContext, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { user: { type: 'string' }, password: { type: 'string' }, url: { type: 'string', default: 'http://127.0.0.1:3000' } },
  });
  const room = positionals[1];
  const user = values.user;
  if (!room || !user) throw new UsageError('usage: npm run lab 5.1.2 -- join <room> --user <name> [--password <pw>] [--url http://127.0.0.1:3000]');
  let password = values.password;
  if (!password) {
    password = `${user}-password`;
    console.error(pc.dim(`(no --password: using "${password}", fine for a local demo only)`));
  }
  const url = values.url!;

  let token: string;
  try {
    token = await loginOrRegister(url, user, password);
  } catch (err) {
    if (err instanceof AppError && err.status === 401) throw new UnauthorizedError(`wrong password for ${user}: login refused by ${url}`);
    if (err instanceof AppError) throw err;
    throw new UsageError(`no chat server answers at ${url} (${(err as Error).cause ?? (err as Error).message}); start one with: npm run lab 5.1.2 -- serve --port 3000`);
  }

  const client = await ChatClient.connect(url, token, { queue: false });
  const print = (line?: string) => line && console.log(line);
  const joined = await client.join(room);
  console.log(pc.bold(`joined #${room} on ${url} as ${user}`) + pc.dim(`  (/who, /quit; Ctrl-D leaves)`));
  if (joined.history.length) console.log(pc.dim(`--- last ${joined.history.length} messages ---`));
  for (const m of joined.history) print(formatFrame(m, user));
  console.log(pc.dim(`online: ${joined.online.map(printable).join(', ')}`));
  client.onFrame((f) => print(formatFrame(f, user)));
  client.startHeartbeats();

  const closed = new Promise<void>((resolve) => client.ws.once('close', () => resolve()));
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  let echoed: Promise<unknown> = Promise.resolve();
  const typed = (async () => {
    for await (const raw of rl) {
      const line = raw.trim();
      if (!line) continue;
      if (line === '/quit') break;
      if (line === '/who') client.send({ type: 'who', room });
      else {
        // Listen for the echo before sending: our own message coming back through Redis.
        echoed = client.next('message', (m) => m.user === user && m.text === line, 5000).catch(() => {});
        client.say(room, line);
      }
    }
  })();
  const ended = await Promise.race([typed.then(() => 'input' as const), closed.then(() => 'server' as const)]);
  rl.close();
  if (ended === 'server') {
    console.log(pc.yellow('the server closed the connection'));
    return;
  }
  // Input ended: wait (briefly) for our last message to come back through Redis, then leave.
  await echoed;
  await client.close();
}
