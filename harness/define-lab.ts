// The contract between a lab and the harness. A lab's lab.ts is `export default defineLab({...})`.
import type { Express } from 'express';
import type http from 'node:http';
import type { LabContext } from './context';
import type { Progress } from './progress';
import type { Metric, Ratio } from './report';
import type { ServiceName } from './services';

export interface BenchApi {
  ctx: LabContext;
  /** A progress bar (a live bar on a terminal, a few log lines elsewhere). */
  progress(label: string, total: number): Progress;
  /** `--quick`: smaller data and shorter runs, for a fast look (reports say so). */
  quick: boolean;
  /** Lab-specific bench flags after the id, e.g. `npm run bench 5.2.2 -- --remote`. */
  argv: string[];
}

export interface BenchResult {
  metrics: Metric[];
  ratios: Ratio[];
  /** Sentences for the report: what was measured, on how much data. */
  notes?: string[];
}

export type ServeResult =
  | Express
  | http.RequestListener
  | {
      app: Express | http.RequestListener;
      close?(): Promise<void>;
      /** Called with the listening server, e.g. to handle WebSocket upgrades (`server.on('upgrade', …)`). */
      attach?(server: http.Server): void;
    };

export interface LabDefinition {
  /** `5.1.1`, `5.2.B`, `capstone`. */
  id: string;
  title: string;
  /** One line: what the lab teaches. */
  summary?: string;
  /** The narrated demo and any subcommands (`npm run lab <id> -- <argv>`). */
  run(ctx: LabContext, argv: string[]): Promise<void>;
  /** The lab's HTTP service, for `npm run lab <id> -- serve [--port N]`. */
  serve?(ctx: LabContext, argv: string[]): Promise<ServeResult>;
  /** The benchmark; the harness writes its report. */
  bench?(api: BenchApi): Promise<BenchResult>;
  /**
   * How many times `npm run bench` runs the bench by default (3; `--quick` 1). A bench that already
   * alternates its contenders over rounds and reports them with `ratioOfRounds` may say 1.
   */
  benchRounds?: number;
  /**
   * Which services the lab needs (default both); a Redis-only lab runs without Postgres. A list means
   * every command; an object names them per command, e.g. a Redis-only demo whose bench compares with
   * Postgres: `{ run: ['redis'], bench: ['redis', 'postgres'] }`.
   */
  services?: ServiceName[] | ServicesByCommand;
  /**
   * What the lab's commands take, for `--help` and for refusing unknown flags (exit 2 with the usage).
   * Left out: the demo takes no arguments, serve only --port, bench only --quick.
   */
  usage?: LabUsage;
  /** A lab announced but not built yet: listed as planned, not run. */
  planned?: boolean;
}

/** A flag: `value` names its argument (`--count N`); without it the flag is a switch. */
export interface FlagUsage {
  value?: string;
  about: string;
}

/** A subcommand of `run`, e.g. `seed` in `npm run lab 5.2.2 -- seed --count 10`. */
export interface CommandUsage {
  about: string;
  /** Its positional arguments, e.g. `<room>`; left out, it takes none. */
  args?: string;
  flags?: Record<string, FlagUsage>;
  /** It parses its own arguments and answers its own --help (e.g. a commander program). */
  ownParser?: boolean;
}

export interface LabUsage {
  /** What `npm run lab <id>` does (default: the narrated demo). */
  demo?: string;
  /** Flags of the demo; also accepted before a subcommand. */
  flags?: Record<string, FlagUsage>;
  commands?: Record<string, CommandUsage>;
  /** What `serve` serves (default: the HTTP service alone). */
  serveAbout?: string;
  /** Flags of `serve` besides --port. */
  serve?: Record<string, FlagUsage>;
  /** Flags of the bench besides --quick. */
  bench?: Record<string, FlagUsage>;
}

/**
 * Services per command. A command left out needs both, except a subcommand of `run` (the first
 * argument after the id, e.g. `join` in `npm run lab 5.1.2 -- join`), which needs what `run` needs
 * unless it is named here itself.
 */
export interface ServicesByCommand {
  /** `npm run lab <id> [-- args]`: the demo and its subcommands. */
  run?: ServiceName[];
  /** `npm run lab <id> -- serve`. */
  serve?: ServiceName[];
  /** `npm run bench <id>`. */
  bench?: ServiceName[];
  /** A subcommand of `run`, by name. */
  [subcommand: string]: ServiceName[] | undefined;
}

export type LabCommand = 'run' | 'serve' | 'bench';

const BOTH: ServiceName[] = ['redis', 'postgres'];

/** The services one command of a lab needs (`argv` is what `run` gets, for its subcommand). */
export function servicesFor(def: Pick<LabDefinition, 'services'>, command: LabCommand, argv: string[] = []): ServiceName[] {
  const declared = def.services;
  if (!declared) return BOTH;
  if (Array.isArray(declared)) return declared;
  if (command !== 'run') return declared[command] ?? BOTH;
  const sub = argv[0];
  const own = sub && sub !== 'serve' && sub !== 'bench' ? declared[sub] : undefined;
  return own ?? declared.run ?? BOTH;
}

export function defineLab(def: LabDefinition): LabDefinition {
  return def;
}
