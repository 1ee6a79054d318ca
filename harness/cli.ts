// The workbook's one entry point: npm run lab | bench | report | grade | services | new-lab.
import './color-env'; // first: settles NO_COLOR before any colour library loads
import { Command } from 'commander';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';
import { AppError, NotImplementedError } from '../shared/errors';
import { runBench } from './bench';
import { takeCluster, useCluster } from './cluster-flag';
import { createContext } from './context';
import { servicesFor } from './define-lab';
import { DEFAULT_TIME_LIMIT_S, runGrade } from './grade';
import { ImplNotFoundError, implDirFor } from './impl-resolve.mjs';
import { useImplFromEnv } from './impl-register';
import { labSchema } from './lab-schema';
import { checkLabArgs, labUsage } from './lab-usage';
import { discoverLabs, findLab, loadLab, UnknownLabError, type LabEntry } from './labs';
import { createLab } from './new-lab';
import { REPORTS_DIR } from './report';
import { refreshReadmeFigures } from './readme-figures-write';
import { labelSources, readLatestRuns, readReportFiles, readReports, summarize, SUMMARY_DIR, writeSummary } from './report-summary';
import { serveLab } from './serve';
import { printServices, stopServices } from './services-report';
import { ServiceUnavailableError } from './services';
import { UsageError } from './usage-error';

function takeImpl(argv: string[]): { impl?: string; rest: string[] } {
  const { values, tokens } = parseArgs({ args: argv, options: { impl: { type: 'string' } }, strict: false, tokens: true });
  const drop = new Set<number>();
  for (const t of tokens ?? []) {
    if (t.kind === 'option' && t.name === 'impl') {
      drop.add(t.index);
      if (!t.inlineValue) drop.add(t.index + 1);
    }
  }
  return { impl: values.impl as string | undefined, rest: argv.filter((_, i) => !drop.has(i)) };
}

const program = new Command()
  .name('workbook')
  .description('Redis Labs Workbook: run, benchmark and grade the labs')
  .enablePositionalOptions()
  .showHelpAfterError();

program
  .command('lab')
  .description('run a lab\'s demo, a subcommand of it, or "serve" its HTTP service')
  .argument('[id]', 'lab id, e.g. 5.1.1')
  .argument('[args...]', 'passed to the lab (add --impl starter|PATH to run a learner implementation)')
  .passThroughOptions()
  .allowUnknownOption()
  .action(async (id: string | undefined, args: string[]) => {
    if (!id) {
      console.log(listLabs());
      return;
    }
    const lab = findLab(id);
    const { cluster, rest: withoutCluster } = takeCluster(args);
    const { impl, rest } = takeImpl(withoutCluster);
    if (impl) {
      const implDir = implDirFor(lab.dir, impl);
      process.env.LAB_IMPL_SRC = path.join(lab.dir, 'src');
      process.env.LAB_IMPL_DIR = implDir;
      useImplFromEnv();
      console.log(pc.dim(`running ${lab.id} on the implementation in ${path.relative(process.cwd(), implDir) || '.'}`));
    }
    const def = await loadLab(lab);
    const serving = rest[0] === 'serve';
    if (serving && !def.serve) throw new UsageError(`lab ${lab.id} has no HTTP service to serve\n\n${labUsage(def)}`);
    if (checkLabArgs(def, serving ? 'serve' : 'run', serving ? rest.slice(1) : rest) === 'help') {
      console.log(labUsage(def));
      return;
    }
    const stopCluster = cluster ? await useCluster() : undefined;
    try {
      if (serving) {
        await serveLab(def, rest.slice(1));
        return;
      }
      const ctx = await createContext({ lab: def.id, schema: labSchema(def.id), services: servicesFor(def, 'run', rest) });
      const stop = () => {
        void ctx.dispose().finally(() => process.exit(130));
      };
      process.once('SIGINT', stop);
      try {
        await def.run(ctx, rest);
      } finally {
        process.off('SIGINT', stop);
        await ctx.dispose();
      }
    } finally {
      await stopCluster?.();
    }
  });

program
  .command('bench')
  .description('run a lab\'s benchmark; your run goes to .workbook/runs/<id>/ (docs/reports only with --reference)')
  .argument('<id>', 'lab id')
  .argument('[args...]', '--quick (smaller, 1 round), --rounds N (default 3), --label NAME, --reference (maintainers), and the lab\'s own flags')
  .passThroughOptions()
  .allowUnknownOption()
  .action(async (id: string, argv: string[]) => {
    const lab = findLab(id);
    const def = await loadLab(lab);
    const { cluster, rest: args } = takeCluster(argv);
    if (def.bench && checkLabArgs(def, 'bench', args) === 'help') {
      console.log(labUsage(def));
      return;
    }
    const stopCluster = cluster ? await useCluster() : undefined;
    try {
      await runBench(lab, args);
    } finally {
      await stopCluster?.();
    }
  });

program
  .command('report')
  .description('your latest runs beside the reference reports and other machines\' files → .workbook/report/SUMMARY.md + charts')
  .argument('[files...]', 'other machines\' report JSON files')
  .option('--reference', 'maintainers: refresh the committed docs/reports/SUMMARY.md from the reference reports alone')
  .action(async (files: string[], opts: { reference?: boolean }) => {
    const all = labelSources(readReports(), opts.reference ? [] : readLatestRuns(), opts.reference ? [] : readReportFiles(files));
    if (!all.length) throw new UsageError('no reports yet: run `npm run bench <id>` first');
    const summary = await summarize(all);
    const file = writeSummary(summary, opts.reference ? REPORTS_DIR : SUMMARY_DIR);
    if (opts.reference) for (const readme of refreshReadmeFigures()) console.log(pc.dim(`refreshed the figures in ${path.relative(process.cwd(), readme)}`));
    console.log(pc.green(`wrote ${path.relative(process.cwd(), file)} and ${summary.charts.length} charts (${new Set(all.map((x) => x.source)).size} sources)`));
  });

program
  .command('grade')
  .description('score the exercises of a lab (or of every lab) and write grade.json + grade.csv; exit 0 all pass, 1 some fail, 2 usage error')
  .argument('[id]', 'one lab (required with --impl)')
  .option('--impl <impl>', 'grade "starter", a folder standing in for the lab\'s src/, or a class: \'submissions/*\' or a folder of folders')
  .option('--out <file>', 'where to write the JSON result (the CSV goes beside it)', 'grade.json')
  .option('--time-limit <seconds>', 'per-submission time limit; a submission still running is marked timeout', String(DEFAULT_TIME_LIMIT_S))
  .option('--exercises-only', 'run only the exercise groups (faster; checks are not run)')
  .option('--verbose', 'show the test runner\'s output')
  .action(async (id: string | undefined, opts: { impl?: string; out: string; timeLimit: string; exercisesOnly?: boolean; verbose?: boolean }) => {
    if (opts.impl && !id) throw new UsageError('--impl grades one lab: give its id, e.g. npm run grade 5.1.1 -- --impl starter');
    const timeLimit = Number(opts.timeLimit);
    if (!Number.isFinite(timeLimit) || timeLimit <= 0) throw new UsageError(`--time-limit must be a number of seconds, got "${opts.timeLimit}"`);
    process.exitCode = await runGrade({ lab: id ? findLab(id) : undefined, impl: opts.impl, out: opts.out, timeLimit, exercisesOnly: opts.exercisesOnly, verbose: opts.verbose });
  });

program
  .command('services')
  .description('which Redis and Postgres the harness finds, their versions and round-trip time; "stop" stops the embedded ones')
  .argument('[action]', '"stop": stop the embedded servers the harness started')
  .action(async (action: string | undefined) => {
    if (action !== undefined && action !== 'stop') throw new UsageError(`unknown services action "${action}" (try: npm run services -- stop)`);
    process.exitCode = action === 'stop' ? await stopServices() : await printServices();
  });

program
  .command('new-lab')
  .description('create labs/<id>-<slug> from the template; the CLI finds it at once')
  .argument('<id>', 'e.g. 5.4.1')
  .argument('<slug>', 'e.g. my-topic')
  .option('--title <title>', 'the lab\'s title')
  .action((id: string, slug: string, opts: { title?: string }) => {
    const dir = createLab(id, slug, opts.title);
    console.log(`created ${path.relative(process.cwd(), dir)}: npm run lab ${id} | npm run bench ${id} | npx vitest run ${path.relative(process.cwd(), dir)}`);
  });

function listLabs(): string {
  const note = (l: LabEntry) => (l.planned ? pc.dim('  (planned)') : l.hasStarter ? pc.dim('  [starter]') : '');
  return ['Labs (npm run lab <id>, npm run lab <id> -- --help):', ...discoverLabs(undefined, { planned: true }).map((l) => `  ${l.id.padEnd(9)} ${l.title}${note(l)}`)].join('\n');
}

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ServiceUnavailableError) {
    console.error(pc.red(err.message));
  } else if (err instanceof NotImplementedError) {
    console.error(pc.yellow(`${err.message}\n(this implementation still has exercises to finish; \`npm run grade <id> -- --impl …\` shows which)`));
  } else if (err instanceof UnknownLabError || err instanceof UsageError || err instanceof ImplNotFoundError || (err instanceof AppError && err.status < 500)) {
    console.error(pc.red((err as Error).message));
  } else {
    console.error(err);
    process.exit(1);
  }
  process.exit(2);
});
