// What the server itself says about a command: COMMAND INFO's flags (`readonly`, `write`, `admin`…),
// for the exec guard. Asking the server, not a hand list, keeps the guard right for commands added in
// later versions and for modules. A container command (CONFIG, CLIENT, ACL…) is looked up with its
// subcommand (`config|get`), since CONFIG GET and CONFIG SET differ.
import type { RedisClient } from '../../../shared/redis-client';

export interface CommandDoc {
  /** The server's name for it, e.g. `get` or `config|get`. */
  name: string;
  flags: string[];
  /** Position of the first key argument; 0 = the command has no key (it is about the server). */
  firstKey?: number;
}

type InfoEntry = [name: string, arity: number, flags: string[], firstKey: number, ...rest: unknown[]];

async function info(redis: RedisClient, name: string): Promise<InfoEntry | null> {
  const [entry] = (await redis.call('COMMAND', 'INFO', name)) as Array<InfoEntry | null>;
  return entry ?? null;
}

/** The command as the server knows it, or undefined when the server does not know it. */
export async function describeCommand(redis: RedisClient, args: string[]): Promise<CommandDoc | undefined> {
  const name = (args[0] ?? '').toLowerCase();
  if (!name || /[\s|]/.test(name)) return undefined;
  const entry = await info(redis, name);
  if (!entry) return undefined;
  const subcommands = entry[9];
  const sub = (args[1] ?? '').toLowerCase();
  if (Array.isArray(subcommands) && subcommands.length) {
    const subEntry = sub && !/[\s|]/.test(sub) ? await info(redis, `${name}|${sub}`) : null;
    if (!subEntry) return { name: sub ? `${name}|${sub}` : name, flags: [] }; // unknown subcommand: nothing to trust
    return { name: subEntry[0], flags: subEntry[2].map(String), firstKey: Number(subEntry[3]) };
  }
  return { name: entry[0], flags: entry[2].map(String), firstKey: Number(entry[3]) };
}
