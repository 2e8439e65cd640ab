// Our scanner against Coccinelle, over the same files, with the same core count, both measured
// by GNU `time -v`, runs alternating. Two pairs:
//   untyped  the whole tree: nonrefcounted-page-ref's ignored conditional acquires against
//            bench/ignored-conditional-ref.cocci (the same check; findings compared);
//   typed    arch/x86/kvm: seqcount-truncation (types from the warm index) against
//            bench/narrow.cocci (`int x; unsigned long e; * x = e`, types from spatch).
//
// Usage: npm run bench -- [--pair untyped|typed|all] [--tree DIR] [--runs N] [--jobs N] [--skip-coccinelle] [--only PATH...]

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const KERNEL_TREE_SCRIPT = path.resolve(ROOT, '..', 'shared', 'kernel-tree.sh');
const TIME = '/usr/bin/time';
/** Per-file limit for spatch, a safety net only: no file comes near it on Linux 6.1. */
const COCCI_TIMEOUT_S = 120;
/** The rule's message for an ignored conditional acquire, the part the .cocci file reproduces. */
const IGNORED_RESULT_MESSAGE = /^result of \w+\(\) ignored/;

interface Pair {
  name: 'untyped' | 'typed';
  /** What is measured, for the report. */
  title: string;
  rule: string;
  /** Extra scan options. */
  scanArgs: string[];
  cocciFile: string;
  /** spatch options besides --sp-file, the input and -j. */
  cocciArgs: string[];
  /** Which of the rule's findings the semantic patch reproduces; null when the two are not comparable. */
  comparable: ((message: string) => boolean) | null;
  /** Paths scanned, relative to the tree (empty: the whole tree, or --only). */
  paths: string[];
}

const PAIRS: Pair[] = [
  {
    name: 'untyped',
    title: 'ignored conditional reference acquires (nonrefcounted-page-ref), no types',
    rule: 'nonrefcounted-page-ref',
    scanArgs: [],
    cocciFile: path.join(ROOT, 'bench', 'ignored-conditional-ref.cocci'),
    cocciArgs: ['--include-headers', '--no-includes', '--timeout', String(COCCI_TIMEOUT_S)],
    comparable: (message) => IGNORED_RESULT_MESSAGE.test(message),
    paths: [],
  },
  {
    name: 'typed',
    title: 'a typed check: seqcount-truncation with the warm index, against `int x; unsigned long e; * x = e`',
    rule: 'seqcount-truncation',
    scanArgs: ['--min-confidence', 'low'],
    cocciFile: path.join(ROOT, 'bench', 'narrow.cocci'),
    cocciArgs: ['--timeout', String(COCCI_TIMEOUT_S)],
    comparable: null,
    paths: ['arch/x86/kvm'],
  },
];

const USAGE = `usage: npm run bench -- [options]
  --tree DIR          kernel source tree (default: output of ../shared/kernel-tree.sh)
  --runs N            runs per tool; medians are reported (default 1)
  --jobs N, -j N      cores for both tools (default: ${os.availableParallelism()})
  --skip-coccinelle   measure only our scanner
  --only PATH...      scan only these paths, relative to the tree (the untyped pair)
  --pair NAME         untyped (whole tree), typed (arch/x86/kvm) or all (default)`;

interface Options {
  pairs: Pair[];
  tree: string;
  runs: number;
  jobs: number;
  skipCoccinelle: boolean;
  only: string[];
}

export interface Measurement {
  wallS: number;
  cpuS: number;
  maxRssKb: number;
}

interface ToolRun extends Measurement {
  /** Findings as "path/relative/to/tree:line", deduplicated. */
  findings: Set<string>;
  note?: string;
}

interface Tool {
  name: string;
  run(targets: string[]): Promise<ToolRun>;
}

class UsageError extends Error {}

/** Reads the figures we report out of the report GNU `time -v` writes. */
export function parseTimeReport(report: string): Measurement {
  const field = (label: string): string => {
    const line = report.split('\n').find((l) => l.trimStart().startsWith(label));
    if (line === undefined) throw new Error(`no "${label}" line in the time -v report:\n${report}`);
    return line.slice(line.lastIndexOf(': ') + 2).trim();
  };
  // "h:mm:ss" or "m:ss.ss"
  const wallS = field('Elapsed (wall clock) time')
    .split(':')
    .reduce((seconds, part) => seconds * 60 + Number(part), 0);
  const cpuS = Number(field('User time')) + Number(field('System time'));
  const maxRssKb = Number(field('Maximum resident set size'));
  if (![wallS, cpuS, maxRssKb].every(Number.isFinite)) throw new Error(`unreadable time -v report:\n${report}`);
  return { wallS, cpuS, maxRssKb };
}

/** A run of our CLI under `time -v`, with what it printed and its exit status (null when killed by a signal). */
export interface TimedCliRun extends Measurement {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/cli.js args` under `time -v`, synchronously, in `cwd` with `env` (default: this process's). */
export function timedCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): TimedCliRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-bench-'));
  const reportFile = path.join(dir, 'time.txt');
  try {
    const r = spawnSync(TIME, ['-v', '-o', reportFile, process.execPath, CLI, ...args], { cwd: options.cwd, env: options.env, encoding: 'utf8', maxBuffer: 1 << 30 });
    return { ...parseTimeReport(fs.readFileSync(reportFile, 'utf8')), status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `command args` under `time -v`; resolves with its measurement and stdout. */
async function timed(command: string, args: string[], okExitCodes: number[]): Promise<Measurement & { stdout: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-bench-'));
  const reportFile = path.join(dir, 'time.txt');
  try {
    const child = spawn(TIME, ['-v', '-o', reportFile, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (exitCode === null || !okExitCodes.includes(exitCode)) {
      throw new Error(`${command} ${args.join(' ')}\nexited with ${exitCode ?? 'a signal'}; stderr ends with:\n${stderr}`);
    }
    return { ...parseTimeReport(fs.readFileSync(reportFile, 'utf8')), stdout: Buffer.concat(stdout).toString() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function ourScanner(tree: string, jobs: number, pair: Pair): Tool {
  return {
    name: 'patch-audit',
    async run(targets) {
      // Exit codes: 0 = no findings, 1 = findings, 2 = input problems (some files unreadable).
      // Every run analyses every file: the result cache would time a re-scan.
      const args = [CLI, 'scan', ...targets, '--format', 'json', '--rules', pair.rule, ...pair.scanArgs, '-j', String(jobs), '--no-result-cache'];
      const result = await timed(process.execPath, args, [0, 1, 2]);
      const doc = JSON.parse(result.stdout) as {
        findings: { message: string; location: { file: string; line: number } }[];
        stats: { filesConsidered: number; filesParsed: number; bytesRead: number };
      };
      const compared = pair.comparable ? doc.findings.filter((f) => pair.comparable!(f.message)) : doc.findings;
      const findings = new Set(compared.map((f) => treeRelative(tree, f.location.file, f.location.line)));
      const { filesConsidered, filesParsed, bytesRead } = doc.stats;
      const note = `files considered ${filesConsidered}, parsed ${filesParsed}, ${(bytesRead / 1e6).toFixed(0)} MB read`;
      return { ...result, findings, note };
    },
  };
}

function coccinelle(tree: string, jobs: number, pair: Pair): Tool {
  return {
    name: 'coccinelle',
    async run(targets) {
      // spatch takes one --dir, so several --only paths are scanned one after the other and summed.
      const total: ToolRun = { wallS: 0, cpuS: 0, maxRssKb: 0, findings: new Set() };
      for (const target of targets) {
        const input = fs.statSync(target).isDirectory() ? ['--dir', target] : [target];
        const args = ['--sp-file', pair.cocciFile, ...input, ...pair.cocciArgs, '-j', String(jobs), '--very-quiet'];
        const result = await timed('spatch', args, [0]);
        total.wallS += result.wallS;
        total.cpuS += result.cpuS;
        total.maxRssKb = Math.max(total.maxRssKb, result.maxRssKb);
        for (const line of result.stdout.split('\n')) {
          const match = /^(.+):(\d+)$/.exec(line.trim());
          if (match) total.findings.add(treeRelative(tree, match[1], Number(match[2])));
        }
      }
      return total;
    },
  };
}

function treeRelative(tree: string, file: string, line: number): string {
  return `${path.relative(tree, path.resolve(file))}:${line}`;
}

/** Counts the .c/.h files and their bytes under the targets (symlinks not followed), reading
 *  every file once so that both tools start with the tree in the page cache. */
function measureWorkload(targets: string[]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const visit = (p: string, entry: fs.Stats | fs.Dirent): void => {
    if (entry.isDirectory()) {
      for (const child of fs.readdirSync(p, { withFileTypes: true })) visit(path.join(p, child.name), child);
    } else if (entry.isFile() && /\.[ch]$/.test(p)) {
      files += 1;
      bytes += fs.readFileSync(p).length;
    }
  };
  for (const target of targets) visit(target, fs.lstatSync(target));
  return { files, bytes };
}

/** The median; of an even count, the mean of the middle two. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function parseOptions(argv: string[]): Options {
  let tree: string | undefined;
  const options = { runs: 1, jobs: os.availableParallelism(), skipCoccinelle: false, only: [] as string[], pairs: PAIRS };
  const positiveInt = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got ${value ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--tree':
        tree = argv[++i];
        if (tree === undefined) throw new UsageError('--tree needs a directory');
        break;
      case '--runs':
        options.runs = positiveInt(arg, argv[++i]);
        break;
      case '--jobs':
      case '-j':
        options.jobs = positiveInt(arg, argv[++i]);
        break;
      case '--pair': {
        const name = argv[++i];
        options.pairs = name === 'all' ? PAIRS : PAIRS.filter((pair) => pair.name === name);
        if (options.pairs.length === 0) throw new UsageError(`--pair needs untyped, typed or all, got ${name ?? 'nothing'}`);
        break;
      }
      case '--skip-coccinelle':
        options.skipCoccinelle = true;
        break;
      case '--only':
        while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) options.only.push(argv[++i]);
        if (options.only.length === 0) throw new UsageError('--only needs at least one path');
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        process.exit(0);
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  return { ...options, tree: path.resolve(tree ?? defaultTree()) };
}

function defaultTree(): string {
  if (!fs.existsSync(KERNEL_TREE_SCRIPT)) {
    throw new UsageError(`no --tree given and ${KERNEL_TREE_SCRIPT} does not exist; pass --tree DIR (an unpacked Linux source tree)`);
  }
  // The script may have to download and unpack the tree first; its progress goes to our stderr.
  return execFileSync(KERNEL_TREE_SCRIPT, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function checkPrerequisites(options: Options, targets: string[]): void {
  if (!fs.existsSync(TIME)) throw new Error(`${TIME} not found (Debian: apt-get install time)`);
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} not found; build first (npx tsc -p .)`);
  if (!options.skipCoccinelle && spawnSync('spatch', ['--version']).error) {
    throw new Error('spatch not found (Debian: apt-get install coccinelle), or pass --skip-coccinelle');
  }
  for (const target of targets) {
    if (!fs.existsSync(target)) throw new UsageError(`${target} does not exist`);
  }
}

function printTable(rows: { tool: string; runs: ToolRun[] }[], workload: { files: number; bytes: number }): void {
  const header = ['tool', 'wall s', 'CPU s', 'peak RSS MB', 'files/s', 'MB/s', 'findings'];
  const lines = rows.map(({ tool, runs }) => {
    const wall = median(runs.map((r) => r.wallS));
    return [
      tool,
      wall.toFixed(1),
      median(runs.map((r) => r.cpuS)).toFixed(1),
      (median(runs.map((r) => r.maxRssKb)) / 1024).toFixed(0),
      (workload.files / wall).toFixed(0),
      (workload.bytes / 1e6 / wall).toFixed(1),
      String(runs[runs.length - 1].findings.size),
    ];
  });
  const widths = header.map((h, col) => Math.max(h.length, ...lines.map((l) => l[col].length)));
  for (const cells of [header, ...lines]) {
    console.log(cells.map((c, col) => (col === 0 ? c.padEnd(widths[col]) : c.padStart(widths[col]))).join('  '));
  }
}

function printFindingComparison(ours: Set<string>, theirs: Set<string>): void {
  const only = (a: Set<string>, b: Set<string>): string[] => [...a].filter((f) => !b.has(f)).sort();
  const inBoth = [...ours].filter((f) => theirs.has(f)).length;
  console.log(`\nfindings in both: ${inBoth}`);
  for (const [label, list] of [['only patch-audit', only(ours, theirs)], ['only coccinelle', only(theirs, ours)]] as const) {
    console.log(`${label}: ${list.length}`);
    for (const f of list.slice(0, 50)) console.log(`  ${f}`);
    if (list.length > 50) console.log(`  ... and ${list.length - 50} more`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
  for (const pair of options.pairs) await runPair(pair, options);
}

async function runPair(pair: Pair, options: Options): Promise<void> {
  const paths = pair.paths.length > 0 ? pair.paths : options.only;
  const targets = paths.length > 0 ? paths.map((p) => path.resolve(options.tree, p)) : [options.tree];
  checkPrerequisites(options, targets);
  // Our typed rule reads the tree's index: build or refresh it first, outside the measurement.
  spawnSync(process.execPath, [CLI, 'index', options.tree], { stdio: ['ignore', 'ignore', 'inherit'] });

  const workload = measureWorkload(targets);
  console.log(`\n== ${pair.name}: ${pair.title}`);
  console.log(`tree ${options.tree}${paths.length > 0 ? ` (only ${paths.join(', ')})` : ''}`);
  console.log(`${workload.files} .c/.h files, ${(workload.bytes / 1e6).toFixed(0)} MB; ${options.jobs} jobs; ${options.runs} run(s)\n`);

  const tools = [ourScanner(options.tree, options.jobs, pair)];
  if (!options.skipCoccinelle) tools.push(coccinelle(options.tree, options.jobs, pair));
  const rows = tools.map((tool) => ({ tool: tool.name, runs: [] as ToolRun[] }));
  for (let run = 0; run < options.runs; run++) {
    // Alternate which tool goes first, so neither always runs right after the other.
    const order = run % 2 === 0 ? [...tools.keys()] : [...tools.keys()].reverse();
    for (const index of order) {
      const result = await tools[index].run(targets);
      rows[index].runs.push(result);
      console.log(`run ${run + 1} ${tools[index].name}: ${result.wallS.toFixed(1)} s wall, ` +
        `${result.cpuS.toFixed(1)} s CPU, ${result.findings.size} findings${result.note ? `; ${result.note}` : ''}`);
    }
  }

  console.log(options.runs > 1 ? `\nmedians of ${options.runs} runs:` : '');
  printTable(rows, workload);
  console.log('peak RSS is the largest single process: spatch -j forks workers, patch-audit uses threads in one process.');
  console.log('files/s and MB/s use the .c/.h files counted above, for both tools.');
  if (rows.length === 2) {
    const ratio = median(rows[1].runs.map((r) => r.wallS)) / median(rows[0].runs.map((r) => r.wallS));
    console.log(`\n${pair.name}: wall time ratio coccinelle / patch-audit: ${ratio.toFixed(2)}x`);
    if (pair.comparable) printFindingComparison(rows[0].runs[rows[0].runs.length - 1].findings, rows[1].runs[rows[1].runs.length - 1].findings);
    else console.log('findings are not compared: the semantic patch lists every narrowing, the rule ranks round trips');
  }
}

if (require.main === module) main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  if (!(error instanceof UsageError)) process.exitCode = 1;
  else {
    console.error(USAGE);
    process.exitCode = 2;
  }
});
