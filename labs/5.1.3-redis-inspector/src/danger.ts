// Exercise 5: commands an inspection tool must not run by accident. Each is refused unless the user
// adds --force, with the reason in the message.

/** Why a command is dangerous, or undefined when it is safe to run. `args` is the command as typed. */
export function dangerReason(args: string[]): string | undefined {
  const name = (args[0] ?? '').toUpperCase();
  const sub = (args[1] ?? '').toUpperCase();
  switch (name) {
    case 'FLUSHALL':
      return 'FLUSHALL deletes every key in every database';
    case 'FLUSHDB':
      return 'FLUSHDB deletes every key in the database';
    case 'SHUTDOWN':
      return 'SHUTDOWN stops the server';
    case 'DEBUG':
      return 'DEBUG can crash, freeze or reload the server (DEBUG SEGFAULT, SLEEP, RELOAD)';
    case 'KEYS':
      return 'KEYS walks the whole keyspace in one call and blocks every other client meanwhile (use the keys command: SCAN)';
    case 'CONFIG':
      return sub === 'SET' ? 'CONFIG SET changes the running server for every client' : undefined;
    case 'SWAPDB':
      return 'SWAPDB swaps two databases under every connected client';
    case 'REPLICAOF':
    case 'SLAVEOF':
      return `${name} turns the server into a replica, which discards its own data`;
    case 'SCRIPT':
    case 'FUNCTION':
      return sub === 'FLUSH' ? `${name} FLUSH deletes every loaded ${name === 'SCRIPT' ? 'script' : 'function'}` : undefined;
    case 'EVAL':
    case 'EVAL_RO': {
      // A script may call any of the above: look for one named as a string inside it (KEYS[1] is not a call).
      const called = /(['"])(flushall|flushdb|shutdown|debug|keys|config|swapdb|replicaof|slaveof)\1/i.exec(args[1] ?? '');
      return called ? `${name} runs a script that calls ${called[2]!.toUpperCase()}` : undefined;
    }
    case 'EVALSHA':
    case 'EVALSHA_RO':
    case 'FCALL':
    case 'FCALL_RO':
      return `${name} runs server-side code this tool cannot read, so it cannot tell what it does`;
    default:
      return undefined;
  }
}
