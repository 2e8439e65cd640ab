#!/usr/bin/env node
// The command line: argument parsing only; each command lives in src/commands/,
// loaded when it runs, so that a command does not pay for the others' modules.

import { Command, InvalidArgumentError, Option } from 'commander';
import { REPORT_FORMATS, ReportFormat } from './report';
import { HintError } from './frontend/hints';
import { KnowledgeError } from './knowledge';
import { defaultJobs, WorkerPool } from './workers/pool';
import { SCAN_WORKER } from './engine/worker-scripts';
import { tuneForWorkers } from './v8-tuning';
import { parseShardSpec, type ShardSpec } from './shards/shard-spec';
import { DIFF_REPORT_FORMATS, DiffReportFormat } from './report/diff';
import { DEFAULT_SIBLING_SECONDS } from './diff/model';
import type { AbiName } from './types/ctype';
import { CacheError } from './types/cache-dir';
import { DEFAULT_PRUNE_LIMITS } from './types/cache-prune';
import { parseDays, runCacheList, runCachePrune } from './commands/cache-cmd';
import {
  collectList,
  DEFAULT_MAX_FILE_SIZE,
  DEFAULT_MAX_PATCH_SIZE,
  EXIT_INPUT_ERROR,
  EXIT_OK,
  parsePositiveInt,
  parseSize,
  toolVersion,
  UsageError,
} from './commands/common';
import type { Confidence, Severity } from './model';
import type { SarifCommandSettings } from './commands/report-output';
import { parseColorChoice, useColor } from './commands/color';
import { GatingError } from './gating/errors';
import type { ScanGateOptions, ShowOptions } from './gating/scan-gate';

function asArgument<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

const jobsOption = () =>
  new Option('-j, --jobs <n>', 'worker threads').default(defaultJobs(), 'all cores').argParser(asArgument((v) => parsePositiveInt(v, '--jobs')));
const macrosOption = () =>
  new Option('--macros <file>', 'extra macro hints file (C #define lines; repeatable)').argParser(collectList).default([]);
const cacheDirOption = () => new Option('--cache-dir <dir>', 'where the type index is cached (default: $PATCH_AUDIT_CACHE_DIR, $XDG_CACHE_HOME/patch-audit or ~/.cache/patch-audit)');
const cacheMaxSizeOption = () =>
  new Option('--cache-max-size <size>', 'prune the least recently used indexes past this size after a run that wrote to the cache')
    .default(DEFAULT_PRUNE_LIMITS.maxBytes, '10G')
    .argParser(asArgument((v) => parseSize(v, '--cache-max-size')));

/** --tree, --cache-dir, --abi and --arch: where types come from and the integer model. */
function addTypeIndexOptions(command: Command): Command {
  return command
    .addOption(new Option('--tree <dir>', 'the kernel tree whose types to use (default: the tree around the input)'))
    .addOption(cacheDirOption())
    .addOption(cacheMaxSizeOption())
    .addOption(new Option('--abi <abi>', 'integer model: lp64 (64-bit long, the default) or ilp32 (32-bit builds)').choices(['lp64', 'ilp32']).default('lp64'))
    .addOption(new Option('--arch <arch>', 'architecture whose headers files outside arch/ see').default('x86'));
}

function typeIndexSettings(o: Record<string, unknown>): { tree?: string; cacheDir?: string; cacheMaxSize: number; abi: AbiName; arch: string } {
  return {
    tree: o.tree as string | undefined,
    cacheDir: o.cacheDir as string | undefined,
    cacheMaxSize: o.cacheMaxSize as number,
    abi: o.abi as AbiName,
    arch: o.arch as string,
  };
}
const maxSizeOption = () =>
  new Option('--max-file-size <size>', 'skip (and report) files larger than this').default(DEFAULT_MAX_FILE_SIZE, '32M').argParser(asArgument(parseSize));

/** The options of the commands that run rules and report findings (scan, diff). */
function addRuleRunOptions(command: Command, help: { failOn: string; noIndex: string }): Command {
  return command
    .option('-r, --rules <ids>', 'comma-separated rule ids (default: all)', (v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .addOption(new Option('--fail-on <severity>', help.failOn).choices(['info', 'warning', 'error']).default('warning'))
    .addOption(new Option('--min-confidence <level>', 'hide findings below this confidence').choices(['low', 'medium', 'high']).default('medium'))
    .addOption(jobsOption())
    .addOption(macrosOption())
    .option('--knowledge <file>', 'extra rows for a knowledge table, in a file named after it (e.g. error-returning.txt; repeatable)', collectList, [])
    .addOption(maxSizeOption())
    .addOption(new Option('--color [when]', 'colour the text report: auto (on a terminal, honouring NO_COLOR and FORCE_COLOR), always or never').default('auto'))
    .option('--no-color', 'never colour the text report')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .option('-o, --output <file>', 'write the report to a file')
    .option('--no-index', `do not build or use the tree's type index (${help.noIndex})`);
}

function ruleRunSettings(o: Record<string, unknown>) {
  return {
    rules: o.rules as string[] | undefined,
    failOn: o.failOn as Severity,
    minConfidence: o.minConfidence as Confidence,
    jobs: o.jobs as number,
    macros: o.macros as string[],
    knowledge: o.knowledge as string[],
    maxFileSize: o.maxFileSize as number,
    color: useColor(parseColorChoice(o.color), { env: process.env, toTerminal: !o.output && Boolean(process.stdout.isTTY) }),
    progress: o.progress !== false && Boolean(process.stderr.isTTY),
    output: o.output as string | undefined,
    ...typeIndexSettings(o),
    index: o.index !== false,
  };
}

// Report options of scan and diff: SARIF for code scanning, colour.

/** --sarif-category, --sarif-max-results, --sarif-help-uri; diff adds --sarif-include-fixed. */
function addSarifOptions(command: Command, { diff }: { diff: boolean }): Command {
  command
    .option('--sarif-category <name>', 'SARIF runs[].automationDetails: keeps the runs of several uploads apart in code scanning')
    .addOption(
      new Option('--sarif-max-results <n>', 'at most this many SARIF results, the most severe and most certain (code scanning takes 25,000 a run)').argParser(
        asArgument((v) => parsePositiveInt(v, '--sarif-max-results')),
      ),
    )
    .option('--sarif-help-uri <url>', "folder URL of the rule docs for each rule's SARIF helpUri (<url><rule-id>.md; default: the installed rules/ folder)");
  if (diff) command.option('--sarif-include-fixed', 'keep fixed findings in SARIF, as results of kind "pass" and level "none"', false);
  return command;
}

function parseFuzz(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--fuzz must be a whole number of lines, got '${value}'`);
  return n;
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0)) throw new UsageError(`--siblings-time must be a positive number of seconds, got '${value}'`);
  return n;
}

function sarifSettings(o: Record<string, unknown>): SarifCommandSettings {
  return {
    category: o.sarifCategory as string | undefined,
    maxResults: o.sarifMaxResults as number | undefined,
    helpUri: o.sarifHelpUri as string | undefined,
    includeFixed: Boolean(o.sarifIncludeFixed),
  };
}

// Gating in CI (src/gating/): the configuration file, suppression comments, the baseline.
const CONFIG_OVERRIDABLE = ['rules', 'failOn', 'minConfidence'];

function addGatingOptions(command: Command, mode: 'scan' | 'diff'): Command {
  command
    .option('--config <file>', 'configuration file (default: the first .patch-audit.json from the tree root upwards)')
    .option('--no-config', 'do not read any configuration file')
    .option('--show-suppressed', 'also list the findings suppression comments accept (they still do not fail the run)', false);
  if (mode === 'diff') return command;
  return command
    .option('--report-unused-suppressions', 'report suppression comments that match no finding (they fail the run)', false)
    .option('--baseline <file>', 'findings recorded in this baseline file are unchanged: not listed in text, and they do not fail the run')
    .option('--write-baseline <file>', "record this run's findings in a baseline file")
    .option('--show-baselined', 'also list the findings the baseline has, in text', false);
}

function gatingSettings(o: Record<string, unknown>, command: Command): ScanGateOptions & ShowOptions {
  return {
    config: o.config as string | false | undefined,
    explicit: new Set(CONFIG_OVERRIDABLE.filter((key) => command.getOptionValueSource(key) === 'cli')),
    showSuppressed: Boolean(o.showSuppressed),
    reportUnusedSuppressions: Boolean(o.reportUnusedSuppressions),
    baseline: o.baseline as string | undefined,
    writeBaseline: o.writeBaseline as string | undefined,
    showBaselined: Boolean(o.showBaselined),
  };
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('patch-audit')
    .description('Static analysis of Linux kernel C for known bug classes: whole trees and patch series')
    .version(toolVersion())
    .showHelpAfterError()
    .exitOverride();

  const scanCommand = addTypeIndexOptions(program.command('scan'))
    .description('analyse files and folders (.c, .h) and report findings')
    .argument('<paths...>', 'files or folders (- for one C file on standard input)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(REPORT_FORMATS).default('text'))
    .option('--explain', "print each rule's summary with its findings", false);
  addSarifOptions(scanCommand, { diff: false });
  addRuleRunOptions(scanCommand, { failOn: 'exit 1 when a finding is at or above this severity', noIndex: 'built-in kernel types only' })
    .option('--no-result-cache', 'analyse every file again instead of reusing the findings of files unchanged since the last scan')
    .addOption(
      new Option('--shard <i/N>', 'analyse only part i of N of the input (split by size, the same on every machine); patch-audit merge joins the parts\' reports').argParser(
        asArgument(parseShardSpec),
      ),
    );
  addGatingOptions(scanCommand, 'scan')
    .action(async (paths: string[], o, command: Command) => {
      const settings = ruleRunSettings(o);
      const options = {
        ...settings,
        format: o.format as ReportFormat,
        explain: Boolean(o.explain),
        resultCache: o.resultCache !== false,
        sarif: sarifSettings(o),
        gate: gatingSettings(o, command),
        ...(o.shard ? { shard: o.shard as ShardSpec } : {}),
      };
      tuneForWorkers(settings.jobs);
      // Started before the scan's own modules load, so that the threads load theirs meanwhile.
      const workers = WorkerPool.start(SCAN_WORKER, settings.jobs);
      try {
        const { scan } = await import('./commands/scan');
        const { exitCode } = await scan(paths, { ...options, workers });
        setExitCode(exitCode);
      } finally {
        await workers.close();
      }
    });

  const mergeCommand = program
    .command('merge')
    .description("merge the reports of scan --shard i/N, every shard's once, into the report of one scan of them all")
    .argument('<reports...>', 'JSON reports or SARIF logs of the shards')
    .addOption(new Option('-f, --format <format>', 'output format (default: that of the reports; JSON reports can also give text or checkpatch)').choices(REPORT_FORMATS))
    .option('-o, --output <file>', 'write the merged report to a file')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices(['info', 'warning', 'error']).default('warning'))
    .addOption(new Option('--color [when]', 'colour the text report: auto, always or never').default('auto'))
    .option('--no-color', 'never colour the text report')
    .option('--explain', "with -f text: print each rule's summary with its findings", false)
    .option('--show-suppressed', 'text and JSON: also list the findings suppression comments accept', false)
    .option('--show-baselined', 'text: also list the findings the baseline has', false);
  mergeCommand
    .addOption(
      new Option('--sarif-max-results <n>', 'SARIF: at most this many results, the most severe and most certain (cap here, not in the shards)').argParser(
        asArgument((v) => parsePositiveInt(v, '--sarif-max-results')),
      ),
    )
    .action(async (reports: string[], o) => {
    const { merge } = await import('./commands/merge');
    const { exitCode } = merge(reports, {
      format: o.format as ReportFormat | undefined,
      output: o.output as string | undefined,
      failOn: o.failOn as Severity,
      color: useColor(parseColorChoice(o.color), { env: process.env, toTerminal: !o.output && Boolean(process.stdout.isTTY) }),
      explain: Boolean(o.explain),
      show: { showSuppressed: Boolean(o.showSuppressed), showBaselined: Boolean(o.showBaselined) },
      sarif: { maxResults: o.sarifMaxResults as number | undefined },
    });
    setExitCode(exitCode);
  });

  const diffCommand = addTypeIndexOptions(program.command('diff'))
    .description('audit a patch, an mbox series or a git range: what each patch introduces and what it fixes')
    .argument('[patches...]', 'patch or mbox files, in order (- for standard input)')
    .option('--git <range>', "audit each commit of a revision range of the tree's git repository (A..B)")
    .addOption(new Option('-f, --format <format>', 'output format').choices(DIFF_REPORT_FORMATS).default('text'))
    .option('--show-existing', 'also show findings present before and after the patch, in the functions it touches', false)
    .addOption(
      new Option('--max-patch-size <size>', 'refuse (and report) patch inputs larger than this')
        .default(DEFAULT_MAX_PATCH_SIZE, '64M')
        .argParser(asArgument((v) => parseSize(v, '--max-patch-size'))),
    );
  addSarifOptions(diffCommand, { diff: true })
    .option('--terse', 'with -f checkpatch: one line per finding, FILE:LINE: LEVEL:TYPE: message', false)
    .option('--no-summary', "with -f checkpatch: leave out the 'total:' lines")
    .option('--siblings', 'for each fixed finding, search the tree for unfixed siblings: the same rule and key (default: on when the tree has an index)')
    .option('--no-siblings', 'do not search for unfixed siblings')
    .addOption(
      new Option('--siblings-time <seconds>', 'time bound of the sibling search over the whole run')
        .default(DEFAULT_SIBLING_SECONDS)
        .argParser(asArgument(parseSeconds)),
    )
    .addOption(
      new Option('--fuzz <n>', 'let a hunk that does not apply exactly ignore up to n context lines at its start and end, as patch -F and quilt do')
        .default(0)
        .argParser(asArgument(parseFuzz)),
    );
  addRuleRunOptions(diffCommand, {
    failOn: 'exit 1 when a patch introduces a finding at or above this severity',
    noIndex: 'the touched files and built-in kernel types only',
  });
  addGatingOptions(diffCommand, 'diff')
    .action(async (patches: string[], o, command: Command) => {
      // Loaded on use: the other commands do not pay for the diff mode's modules.
      const { diff } = await import('./commands/diff');
      const { exitCode } = await diff({
        ...ruleRunSettings(o),
        patches,
        git: o.git as string | undefined,
        // --terse alone means checkpatch's terse form, as it does for checkpatch.pl.
        format: (o.terse && diffCommand.getOptionValueSource('format') === 'default' ? 'checkpatch' : o.format) as DiffReportFormat,
        showExisting: Boolean(o.showExisting),
        maxPatchSize: o.maxPatchSize as number,
        sarif: sarifSettings(o),
        terse: Boolean(o.terse),
        summary: o.summary !== false,
        fuzz: o.fuzz as number,
        siblings: o.siblings as boolean | undefined,
        siblingSeconds: o.siblingsTime as number,
        gate: gatingSettings(o, command),
      });
      setExitCode(exitCode);
    });

  const siblingsCommand = addTypeIndexOptions(program.command('siblings'))
    .description("for a fix (a patch, an mbox, or a commit of the tree's repository), the same bug still elsewhere in the tree: unfixed siblings of what it fixes")
    .argument('[patches...]', 'patch or mbox files (- for standard input)')
    .option('--git <rev>', "a commit of the tree's repository (or a range A..B), e.g. an upstream fix not backported yet")
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .addOption(
      new Option('--siblings-time <seconds>', 'time bound of the search over the whole run').default(DEFAULT_SIBLING_SECONDS).argParser(asArgument(parseSeconds)),
    )
    .addOption(
      new Option('--max-patch-size <size>', 'refuse (and report) patch inputs larger than this')
        .default(DEFAULT_MAX_PATCH_SIZE, '64M')
        .argParser(asArgument((v) => parseSize(v, '--max-patch-size'))),
    );
  addSarifOptions(siblingsCommand, { diff: false });
  addRuleRunOptions(siblingsCommand, {
    failOn: 'exit 1 when an unfixed sibling is at or above this severity',
    noIndex: 'refused: the search needs the index',
  }).action(async (patches: string[], o) => {
    const { siblings } = await import('./commands/siblings');
    const { exitCode } = await siblings({
      ...ruleRunSettings(o),
      patches,
      git: o.git as string | undefined,
      format: o.format as 'text' | 'json' | 'sarif',
      maxPatchSize: o.maxPatchSize as number,
      siblingSeconds: o.siblingsTime as number,
      sarif: sarifSettings(o),
    });
    setExitCode(exitCode);
  });

  program
    .command('parse-stats')
    .description('how many function definitions parse with no ERROR/MISSING node, and what breaks the rest')
    .argument('<paths...>', 'files or folders')
    .option('--raw', 'without the kernel-aware normalisation (raw tree-sitter-c), for comparison', false)
    .option('--top <n>', 'how many causes to list', asArgument((v) => parsePositiveInt(v, '--top')), 25)
    .option('--json', 'JSON output', false)
    .addOption(jobsOption())
    .addOption(macrosOption())
    .addOption(maxSizeOption())
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (paths: string[], o) => {
      const { parseStats, renderParseStats } = await import('./commands/parse-stats');
      const report = await parseStats(paths, {
        raw: Boolean(o.raw),
        top: o.top as number,
        jobs: o.jobs as number,
        macros: o.macros as string[],
        maxFileSize: o.maxFileSize as number,
        progress: o.progress !== false && Boolean(process.stderr.isTTY),
      });
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderParseStats(report));
      setExitCode(report.problems.some((p) => !p.analysed) ? EXIT_INPUT_ERROR : EXIT_OK);
    });

  addTypeIndexOptions(program.command('type'))
    .description('print the type of the expression at <file>:<line>:<column> and where it was declared')
    .argument('<location>', 'file:line:column (column in bytes, 1-based, as gcc prints it)')
    .option('--json', 'JSON output', false)
    .addOption(jobsOption())
    .addOption(macrosOption())
    .addOption(maxSizeOption())
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (location: string, o) => {
      const { runTypeCommand } = await import('./commands/type-at');
      const { output, exitCode } = await runTypeCommand(location, {
        ...typeIndexSettings(o),
        hintFiles: o.macros as string[],
        jobs: o.jobs as number,
        progress: o.progress !== false && Boolean(process.stderr.isTTY),
        json: Boolean(o.json),
        maxFileSize: o.maxFileSize as number,
      });
      process.stdout.write(output);
      setExitCode(exitCode);
    });

  addTypeIndexOptions(program.command('type-stats'))
    .description('the share of member accesses (a->b, a.b) whose type resolves, and why the rest do not')
    .argument('<paths...>', 'files or folders')
    .option('--top <n>', 'how many reasons to list', asArgument((v) => parsePositiveInt(v, '--top')), 20)
    .option('--json', 'JSON output', false)
    .addOption(jobsOption())
    .addOption(macrosOption())
    .addOption(maxSizeOption())
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (paths: string[], o) => {
      const { renderTypeStats, typeStats } = await import('./commands/type-stats');
      const report = await typeStats(paths, {
        ...typeIndexSettings(o),
        hintFiles: o.macros as string[],
        jobs: o.jobs as number,
        progress: o.progress !== false && Boolean(process.stderr.isTTY),
        maxFileSize: o.maxFileSize as number,
        top: o.top as number,
      });
      process.stdout.write(o.json ? JSON.stringify(report, null, 2) + '\n' : renderTypeStats(report));
      setExitCode(report.problems.some((p) => !p.analysed) ? EXIT_INPUT_ERROR : EXIT_OK);
    });

  program
    .command('index')
    .description("build or refresh the type index of a kernel tree (scan, diff and type do this on their own)")
    .argument('[tree]', 'the kernel tree (default: the tree around the current directory)')
    .addOption(cacheDirOption())
    .addOption(cacheMaxSizeOption())
    .option('--rebuild', 'ignore the cache and read every file again', false)
    .option('--json', 'JSON output', false)
    .addOption(jobsOption())
    .addOption(macrosOption())
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (tree: string | undefined, o) => {
      const { runIndexCommand } = await import('./commands/index-cmd');
      const { output, exitCode } = await runIndexCommand({
        tree,
        cacheDir: o.cacheDir as string | undefined,
        cacheMaxSize: o.cacheMaxSize as number,
        hintFiles: o.macros as string[],
        jobs: o.jobs as number,
        progress: o.progress !== false && Boolean(process.stderr.isTTY),
        rebuild: Boolean(o.rebuild),
        json: Boolean(o.json),
      });
      process.stdout.write(output);
      setExitCode(exitCode);
    });

  const cache = program.command('cache').description('the type index cache: what it holds, and pruning it');
  cache
    .command('list')
    .description('each cached index: its tree, its size, when it was last used')
    .addOption(cacheDirOption())
    .option('--json', 'JSON output', false)
    .action((o) => {
      process.stdout.write(runCacheList({ cacheDir: o.cacheDir as string | undefined, json: Boolean(o.json) }));
    });
  cache
    .command('prune')
    .description('remove indexes unused for --max-age days, then the least recently used ones until the cache is under --max-size')
    .addOption(cacheDirOption())
    .addOption(new Option('--max-size <size>', 'size to bring the cache under').default(DEFAULT_PRUNE_LIMITS.maxBytes, '10G').argParser(asArgument((v) => parseSize(v, '--max-size'))))
    .addOption(new Option('--max-age <days>', 'remove indexes unused for longer').default(DEFAULT_PRUNE_LIMITS.maxAgeMs / 86_400_000).argParser(asArgument(parseDays)))
    .option('--json', 'JSON output', false)
    .action((o) => {
      process.stdout.write(
        runCachePrune({ cacheDir: o.cacheDir as string | undefined, maxBytes: o.maxSize as number, maxAgeDays: o.maxAge as number, json: Boolean(o.json) }),
      );
    });

  program
    .command('list-rules')
    .description('list the rules with their severity and description')
    .action(async () => {
      const { listRules } = await import('./commands/rules-info');
      process.stdout.write(listRules());
    });

  program
    .command('explain')
    .description("print a rule's documentation")
    .argument('<rule-id>')
    .action(async (id: string) => {
      const { explainRule } = await import('./commands/rules-info');
      process.stdout.write(explainRule(id));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = buildProgram((code) => (exitCode = code));
  if (argv.length <= 2) {
    // No command: the help, on standard error, and a usage error.
    program.outputHelp({ error: true });
    return EXIT_INPUT_ERROR;
  }
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    const e = error as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT_OK;
    if (e.code?.startsWith('commander.')) return EXIT_INPUT_ERROR; // commander already printed the message
    if (error instanceof UsageError || error instanceof HintError || error instanceof KnowledgeError || error instanceof CacheError || error instanceof GatingError) {
      process.stderr.write(`patch-audit: ${e.message}\n`);
      return EXIT_INPUT_ERROR;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`patch-audit: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = EXIT_INPUT_ERROR;
    },
  );
}
