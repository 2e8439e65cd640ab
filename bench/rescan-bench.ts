// Re-scan benchmark: what a whole-tree scan costs again once it has been run,
// with nothing changed and after a stable update has changed N files. The
// tree is a hard-linked copy of the kernel tree (made here, so the tree
// itself is never written); changed files are replaced, not edited through
// the link. Each step is measured by GNU `time -v`.
//
//   1. index the copy (its facts come from the original's index);
//   2. scan it whole, the result cache empty: every file analysed;
//   3. scan it again, nothing changed;
//   4. change N files (a comment line added at the top of N/10*9 .c files, so
//      their lines move, and at the end of N/10 headers, whose declarations do
//      not), then scan again: the index is brought up to date and only the
//      files whose text or looked-up declarations changed are analysed.
// The findings of step 4 are checked against step 2's: the same in every
// unchanged file, and in each changed .c file the same one line lower.
//
// Usage: npm run bench:rescan -- [--tree DIR] [--cache-dir DIR] [--changed N] [--paths a,b] [--keep DIR] [-- scan options...]

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Measurement, TimedCliRun, timedCli } from './bench';

const ROOT = path.resolve(__dirname, '..', '..');
const KERNEL_TREE_SCRIPT = path.resolve(ROOT, '..', 'shared', 'kernel-tree.sh');
const MARK = '/* patch-audit rescan bench */';

interface Options {
  tree: string;
  cacheDir: string;
  changed: number;
  keep?: string;
  /** What to scan, relative to the tree (default: all of it). */
  paths: string[];
  scanArgs: string[];
}

interface Finding {
  ruleId: string;
  location: { file: string; line: number; column: number };
  /** The finding's line as written: the same after the edit, unlike the message, which can cite line numbers. */
  sourceLine: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tree: '', cacheDir: '', changed: 500, paths: ['.'], scanArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--tree') options.tree = argv[++i];
    else if (arg === '--cache-dir') options.cacheDir = argv[++i];
    else if (arg === '--changed') options.changed = Number(argv[++i]);
    else if (arg === '--keep') options.keep = argv[++i];
    else if (arg === '--paths') options.paths = argv[++i].split(',');
    else if (arg === '--') {
      options.scanArgs = argv.slice(i + 1);
      break;
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.tree) options.tree = execFileSync(KERNEL_TREE_SCRIPT, { encoding: 'utf8' }).trim().split('\n').pop()!;
  if (!options.cacheDir) options.cacheDir = path.join(os.tmpdir(), 'pa-rescan-bench-cache');
  if (!Number.isInteger(options.changed) || options.changed < 10) throw new Error('--changed needs a whole number of at least 10');
  return options;
}

function measure(args: string[], cwd: string): TimedCliRun {
  const r = timedCli(args, { cwd, env: { ...process.env, PATCH_AUDIT_DEBUG_STATS: '1' } });
  if (r.status !== 0 && r.status !== 1) throw new Error(`patch-audit ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Tree-relative paths of the files with this extension, sorted; .git is skipped. */
function filesOf(root: string, extension: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== '.git') walk(path.join(dir, entry.name), childRel);
      else if (entry.isFile() && entry.name.endsWith(extension)) found.push(childRel);
    }
  };
  walk(root, '');
  return found.sort();
}

/** `count` files spread evenly over the sorted list. */
function spread(files: readonly string[], count: number): string[] {
  const step = files.length / count;
  return Array.from({ length: count }, (_, i) => files[Math.floor(i * step)]);
}

/** Writes a new file in place of the hard link, so the original tree is untouched. */
function replace(file: string, text: string): void {
  fs.unlinkSync(file);
  fs.writeFileSync(file, text);
}

function findingsOf(report: string): Finding[] {
  return (JSON.parse(fs.readFileSync(report, 'utf8')) as { findings: Finding[] }).findings;
}

/** Step 4's findings as step 2's would read after the edit: one line lower in each .c file with a line added at the top. */
function expectedAfterEdit(before: readonly Finding[], linesMoved: ReadonlySet<string>): string[] {
  return before.map((f) => key(f, linesMoved.has(f.location.file) ? 1 : 0));
}

function key(f: Finding, moved = 0): string {
  return `${f.ruleId} ${f.location.file}:${f.location.line + moved}:${f.location.column} ${f.sourceLine}`;
}

/** The scan's result-cache counters (files reused, analysed, invalidated by the index), from PATCH_AUDIT_DEBUG_STATS. */
function cacheCounters(stderr: string): string {
  const line = /patch-audit scan stats: (\{.*\})/.exec(stderr);
  const counters = line ? (JSON.parse(line[1]) as { resultCache?: Record<string, number> }).resultCache : undefined;
  return counters ? Object.entries(counters).map(([name, n]) => `${name} ${n}`).join(', ') : 'no counters';
}

function row(step: string, m: Measurement & { stderr: string }, note: string): string {
  return `| ${step} | ${m.wallS.toFixed(1)} s | ${m.cpuS.toFixed(1)} s | ${Math.round(m.maxRssKb / 1024)} MB | ${cacheCounters(m.stderr)} | ${note} |`;
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const work = options.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pa-rescan-bench-'));
  fs.mkdirSync(work, { recursive: true });
  const copy = path.join(work, 'tree');
  fs.rmSync(copy, { recursive: true, force: true });
  execFileSync('cp', ['-al', options.tree, copy]);
  const cache = ['--cache-dir', options.cacheDir];
  const scan = (output: string) => ['scan', ...options.paths, '-f', 'json', '--no-progress', ...cache, '-o', output, ...options.scanArgs];

  const rows: string[] = [];
  const index = measure(['index', '.', '--no-progress', ...cache], copy);
  rows.push(row('index the hard-linked copy', index, 'facts from the original tree\'s index'));
  const cold = measure(scan(path.join(work, 'cold.json')), copy);
  rows.push(row('scan, result cache empty', cold, 'every file analysed'));
  const same = measure(scan(path.join(work, 'same.json')), copy);
  const unchanged = fs.readFileSync(path.join(work, 'cold.json'), 'utf8') === fs.readFileSync(path.join(work, 'same.json'), 'utf8');
  rows.push(row('scan again, nothing changed', same, `report identical to the first scan's: ${unchanged}`));

  const within = (extension: string) => options.paths.flatMap((p) => filesOf(path.join(copy, p), extension).map((f) => path.posix.normalize(`${p}/${f}`))).sort();
  const headers = spread(within('.h'), Math.round(options.changed / 10));
  const sources = spread(within('.c'), options.changed - headers.length);
  for (const file of sources) replace(path.join(copy, file), `${MARK}\n${fs.readFileSync(path.join(copy, file), 'utf8')}`);
  for (const file of headers) replace(path.join(copy, file), `${fs.readFileSync(path.join(copy, file), 'utf8')}\n${MARK}\n`);
  const edited = measure(scan(path.join(work, 'edited.json')), copy);
  const expected = expectedAfterEdit(findingsOf(path.join(work, 'cold.json')), new Set(sources)).sort();
  const got = findingsOf(path.join(work, 'edited.json')).map((f) => key(f)).sort();
  const agree = expected.length === got.length && expected.every((k, i) => k === got[i]);
  rows.push(row(`scan after ${options.changed} files changed (${sources.length} .c, ${headers.length} .h)`, edited, `findings as expected after the edit: ${agree}`));

  console.log(`tree: ${options.tree} (hard-linked copy in ${copy}); ${os.cpus().length} cores; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at the end`);
  console.log(`scan options: ${scan('<out>').slice(1).join(' ')}`);
  console.log('| step | wall | cpu | peak RSS | result cache | |');
  console.log('|---|---:|---:|---:|---|---|');
  for (const line of rows) console.log(line);
  if (!unchanged) process.exitCode = 1;
  if (!agree) {
    const missing = expected.filter((k) => !got.includes(k)).slice(0, 5);
    const extra = got.filter((k) => !expected.includes(k)).slice(0, 5);
    console.log(`differences: missing ${JSON.stringify(missing)} extra ${JSON.stringify(extra)}`);
    process.exitCode = 1;
  }
  if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
}

if (require.main === module) main();
