import { parseArgs } from 'node:util';

/** A mistake in how a command was called: the CLI prints the message and exits 2, without a stack. */
export class UsageError extends Error {}

/**
 * For a command that takes no arguments: any flag or positional is a mistake worth saying so.
 * Throws a UsageError with parseArgs's own message and `Usage: <usage>`.
 */
export function rejectArgs(argv: string[], usage: string): void {
  try {
    parseArgs({ args: argv, options: {}, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. Usage: ${usage}`);
  }
}
