/** A mistake in how a command was called: the CLI prints the message and exits 2, without a stack. */
export class UsageError extends Error {}
