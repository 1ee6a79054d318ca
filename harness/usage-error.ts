import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how a command was called: the CLI prints the message and exits 2, without a stack. */
export class UsageError extends Error {}

/**
 * For a command that takes no arguments: any flag or positional is a mistake worth saying so.
 * Throws a UsageError with parseArgs's own message and `Usage: <usage>`.
 */
export function rejectArgs(argv: string[], usage: string): void {
  parseArgsOrUsage({ args: argv, options: {}, strict: true, allowPositionals: false }, `Usage: ${usage}`);
}

/**
 * node:util parseArgs, with a mistake (an unknown flag, a stray word, a missing value) thrown as a
 * UsageError: parseArgs's own message, then `usage` (the line that says how to call the command).
 */
export function parseArgsOrUsage<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. ${usage}`);
  }
}
