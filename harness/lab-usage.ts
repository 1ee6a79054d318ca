// One CLI manner for every lab: `--help` prints the lab's usage (built from its defineLab) and exits 0
// without touching a service; an unknown flag or stray word exits 2 with the same usage. The lab still
// parses its own flags; this only rejects what the lab did not declare.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { servicesFor, type FlagUsage, type LabCommand, type LabDefinition } from './define-lab';
import { UsageError } from './usage-error';

export const HELP_FLAGS = new Set(['--help', '-h']);

const SERVE_FLAGS: Record<string, FlagUsage> = { port: { value: 'N', about: 'the port to listen on (default 3000; 0 picks a free one)' } };
const BENCH_FLAGS: Record<string, FlagUsage> = {
  quick: { about: 'smaller data and shorter runs, for a fast look (1 round)' },
  rounds: { value: 'N', about: 'how many times to run the bench (default 3, or what the lab says); ratios are medians with their range' },
  label: { value: 'NAME', about: 'what to call this machine in reports (default: its host name; or WORKBOOK_LABEL)' },
  reference: { about: 'maintainers: write the committed reference in docs/reports instead of .workbook/runs' },
};

const flagText = (name: string, f: FlagUsage) => `--${name}${f.value ? ` ${f.value}` : ''}`;
const needs = (def: LabDefinition, command: LabCommand, argv: string[] = []) =>
  servicesFor(def, command, argv)
    .map((s) => (s === 'redis' ? 'Redis' : 'PostgreSQL'))
    .join(' + ');

function flagLines(flags: Record<string, FlagUsage> | undefined, indent: string): string[] {
  return Object.entries(flags ?? {}).map(([name, f]) => `${indent}${flagText(name, f).padEnd(26)} ${f.about}`);
}

/** The lab's usage: every command, its flags, and which services it needs. */
export function labUsage(def: LabDefinition): string {
  const u = def.usage ?? {};
  const lines = [`${def.id} — ${def.title}`];
  if (def.summary) lines.push(def.summary);
  lines.push('', 'Usage:');
  const cmd = (line: string, about: string, need: string) => lines.push(`  ${line}`, `      ${about}  [needs ${need}]`);
  cmd(`npm run lab ${def.id}${u.flags ? ' [-- flags]' : ''}`, u.demo ?? 'the narrated demo', needs(def, 'run'));
  lines.push(...flagLines(u.flags, '        '));
  for (const [name, c] of Object.entries(u.commands ?? {})) {
    cmd(`npm run lab ${def.id} -- ${name}${c.args ? ` ${c.args}` : ''}${c.flags ? ' [flags]' : ''}`, c.about, needs(def, 'run', [name]));
    lines.push(...flagLines(c.flags, '        '));
  }
  if (def.serve) {
    cmd(`npm run lab ${def.id} -- serve [--port N]`, u.serveAbout ?? 'the HTTP service alone, until Ctrl-C', needs(def, 'serve'));
    lines.push(...flagLines({ ...SERVE_FLAGS, ...u.serve }, '        '));
  }
  if (def.bench) {
    cmd(`npm run bench ${def.id} [-- --quick]`, 'the benchmark; writes its report', needs(def, 'bench'));
    lines.push(...flagLines({ ...BENCH_FLAGS, ...u.bench }, '        '));
  }
  lines.push('', `--help prints this. npm run lab also takes --impl starter|PATH (run a learner's implementation).`);
  lines.push('--cluster on lab, serve and bench runs it on a Redis Cluster (REDIS_CLUSTER_NODES, or one started on loopback ports).');
  return lines.join('\n');
}

function optionsOf(flags: Record<string, FlagUsage>): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.value ? ('string' as const) : ('boolean' as const) }]));
}

function check(def: LabDefinition, argv: string[], flags: Record<string, FlagUsage>, positionals: boolean): void {
  try {
    parseArgs({ args: argv, options: optionsOf(flags), strict: true, allowPositionals: positionals });
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('. To specify a positional')[0]}\n\n${labUsage(def)}`);
  }
}

/**
 * Checks a command's arguments against what the lab declared. Returns 'help' when the user asked for
 * the usage (the caller prints it and stops); throws a UsageError (exit 2) with the usage on a flag
 * or word the lab does not take.
 */
export function checkLabArgs(def: LabDefinition, command: LabCommand, argv: string[]): 'help' | 'ok' {
  const u = def.usage ?? {};
  if (command === 'serve') {
    if (argv.some((a) => HELP_FLAGS.has(a))) return 'help';
    check(def, argv, { ...SERVE_FLAGS, ...u.serve }, false);
    return 'ok';
  }
  if (command === 'bench') {
    if (argv.some((a) => HELP_FLAGS.has(a))) return 'help';
    check(def, argv, { ...BENCH_FLAGS, ...u.bench }, false);
    return 'ok';
  }
  // run: the demo's flags, then maybe a subcommand with its own.
  const top = u.flags ?? {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (HELP_FLAGS.has(arg)) return 'help';
    if (arg.startsWith('-')) {
      const name = arg.replace(/^--?/, '').split('=')[0]!;
      if (top[name]?.value && !arg.includes('=')) i++;
      continue;
    }
    const sub = u.commands?.[arg];
    if (!sub) break; // a stray word: the check below names it
    check(def, argv.slice(0, i), top, false);
    const rest = argv.slice(i + 1);
    if (sub.ownParser) return 'ok'; // it parses (and explains) its own arguments, --help included
    if (rest.some((a) => HELP_FLAGS.has(a))) return 'help';
    check(def, rest, { ...top, ...sub.flags }, Boolean(sub.args));
    return 'ok';
  }
  check(def, argv, top, false);
  return 'ok';
}
