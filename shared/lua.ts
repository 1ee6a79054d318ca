// Lua scripts live in their own .lua files and are loaded once per client with ioredis defineCommand
// (EVALSHA, falling back to EVAL after a SCRIPT FLUSH or on a fresh server). Every key goes in KEYS,
// which lets Redis Cluster route the script; it runs there only if all its keys hash to one slot (share
// a {hash tag}). A lab that claims a script is cluster-safe proves it with a test on harness/cluster.ts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

const sources = new Map<string, string>();

// Learner mode: the harness installs this hook while a lab runs or is graded on another
// implementation, so an exercise script is read from that folder, never from the lab's src/.
const LUA_FILE_HOOK = Symbol.for('workbook.luaFile');
function scriptPath(file: URL): string | URL {
  const hook = (globalThis as Record<symbol, unknown>)[LUA_FILE_HOOK] as ((p: string) => string) | undefined;
  return hook ? hook(fileURLToPath(file)) : file;
}

function source(file: URL): string {
  let text = sources.get(file.href);
  if (text === undefined) {
    text = readFileSync(scriptPath(file), 'utf8');
    sources.set(file.href, text);
  }
  return text;
}

export type LuaCommand<R> = (keys: string[], args: Array<string | number>) => Promise<R>;

/**
 * Defines `name` on the client (once) from `file` and returns a typed caller.
 * `name` must be unique among the scripts a client uses, e.g. `lb_setScore`.
 */
export function luaCommand<R = unknown>(redis: Redis | Cluster, name: string, file: URL, numberOfKeys: number): LuaCommand<R> {
  const client = redis as unknown as Record<string, (...a: Array<string | number>) => Promise<R>>;
  if (typeof client[name] !== 'function') redis.defineCommand(name, { numberOfKeys, lua: source(file) });
  return (keys, args) => {
    if (keys.length !== numberOfKeys) throw new Error(`${name} takes ${numberOfKeys} keys, got ${keys.length}`);
    return client[name]!(...keys, ...args);
  };
}
