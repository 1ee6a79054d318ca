// Starter, exercise 5: commands an inspection tool must not run by accident.
import { NotImplementedError } from '../../../shared/errors';

/**
 * Why a command is dangerous, or undefined when it is safe. `args` is the command as typed, any case.
 * At least: FLUSHALL, FLUSHDB, SHUTDOWN, DEBUG, KEYS, and CONFIG SET (but not CONFIG GET); and a script
 * (EVAL) that calls one of them, or code the tool cannot read (EVALSHA, FCALL).
 */
export function dangerReason(_args: string[]): string | undefined {
  throw new NotImplementedError('exercise 5: dangerReason — refuse FLUSHALL, FLUSHDB, SHUTDOWN, CONFIG SET, DEBUG, KEYS');
}
