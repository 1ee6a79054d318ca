// Colours only on a terminal, and never with NO_COLOR (https://no-color.org).

/** Whether output to `stream` may carry ANSI colours. */
export function colorEnabled(stream: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb';
}
