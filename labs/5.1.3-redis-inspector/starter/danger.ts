// Starter, exercise 5: an inspection tool runs what only reads; everything else needs --force.
import { NotImplementedError } from '../../../shared/errors';
import type { CommandDoc } from '../src/command-info';

/**
 * Why a command needs --force, or undefined when it only reads. `args` is the command as typed, any
 * case; `doc` is what the server says about it (COMMAND INFO: its name, e.g. `config|get`, and flags),
 * undefined when the server does not know it. An allow-list: a command runs when its flags include
 * `readonly` (or it only inspects the server: INFO, CONFIG GET…); scripts and functions (EVAL, EVALSHA,
 * FCALL, FUNCTION, SCRIPT) always need --force, and KEYS too (it blocks the server).
 */
export function dangerReason(_args: string[], _doc: CommandDoc | undefined): string | undefined {
  throw new NotImplementedError('exercise 5: dangerReason — run read-only commands, refuse the rest without --force');
}
