// Shards against one run: scan the same paths whole and as N shards (each
// shard the job of one machine of a CI matrix, so run one after the other,
// each with all cores), merge the shards, and check the merged report is the
// single run's byte for byte. Each run is measured by GNU `time -v`; medians
// of --runs rounds, the single run and the shards alternating within a round.
//
// Usage: node dist/bench/shard-bench.js [--tree DIR] [--cache-dir DIR] [--shards 2,3] [--runs N] [--format json|sarif] [paths...]
//   (default paths: virt arch/x86/kvm mm; run from anywhere: paths are relative to the tree)

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Measurement, median, timedCli } from './bench';

const ROOT = path.resolve(__dirname, '..', '..');
const KERNEL_TREE_SCRIPT = path.resolve(ROOT, '..', 'shared', 'kernel-tree.sh');

interface Options {
  tree: string;
  cacheDir?: string;
  shards: number[];
  runs: number;
  format: 'json' | 'sarif';
  paths: string[];
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tree: '', shards: [2, 3], runs: 3, format: 'json', paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--tree') options.tree = argv[++i]!;
    else if (arg === '--cache-dir') options.cacheDir = argv[++i]!;
    else if (arg === '--shards') options.shards = argv[++i]!.split(',').map(Number);
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--format') options.format = argv[++i] as 'json' | 'sarif';
    else if (arg.startsWith('-')) throw new Error(`unknown argument ${arg}`);
    else options.paths.push(arg);
  }
  if (!options.tree) options.tree = execFileSync(KERNEL_TREE_SCRIPT, { encoding: 'utf8' }).trim().split('\n').pop()!;
  if (options.paths.length === 0) options.paths = ['virt', 'arch/x86/kvm', 'mm'];
  return options;
}

/** One scan (or merge) under `time -v`, from the tree's root. */
function timed(args: string[], options: Options): Measurement {
  const env = { ...process.env, ...(options.cacheDir ? { PATCH_AUDIT_CACHE_DIR: options.cacheDir } : {}) };
  const run = timedCli(args, { cwd: options.tree, env });
  if (run.status !== 0 && run.status !== 1) throw new Error(`patch-audit ${args.join(' ')}: exit ${run.status}\n${run.stderr}`);
  return run;
}


function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-shard-bench-out-'));
  const scanArgs = ['scan', ...options.paths, '-f', options.format, '--min-confidence', 'low', '--no-result-cache', '--no-progress'];
  const single: Measurement[] = [];
  const perShard = new Map<string, Measurement[]>();
  const merges = new Map<number, Measurement[]>();
  const identical = new Map<number, boolean>();
  const filesOf = new Map<string, number>();
  for (let round = 0; round < options.runs; round++) {
    const whole = path.join(out, `whole.${options.format}`);
    single.push(timed([...scanArgs, '-o', whole], options));
    for (const n of options.shards) {
      const reports: string[] = [];
      for (let i = 1; i <= n; i++) {
        const report = path.join(out, `shard-${i}-of-${n}.${options.format}`);
        const measured = timed([...scanArgs, '--shard', `${i}/${n}`, '-o', report], options);
        const key = `${i}/${n}`;
        perShard.set(key, [...(perShard.get(key) ?? []), measured]);
        if (options.format === 'json') filesOf.set(key, (JSON.parse(fs.readFileSync(report, 'utf8')) as { stats: { filesConsidered: number } }).stats.filesConsidered);
        reports.push(report);
      }
      const merged = path.join(out, `merged-${n}.${options.format}`);
      merges.set(n, [...(merges.get(n) ?? []), timed(['merge', ...reports, '-o', merged], options)]);
      const same = fs.readFileSync(merged).equals(fs.readFileSync(whole));
      identical.set(n, (identical.get(n) ?? true) && same);
    }
  }
  const row = (label: string, files: string, runs: Measurement[]) =>
    `| ${label} | ${files} | ${median(runs.map((m) => m.wallS)).toFixed(1)} s | ${median(runs.map((m) => m.cpuS)).toFixed(1)} s | ${Math.round(median(runs.map((m) => m.maxRssKb)) / 1024)} MB |`;
  const lines = [
    `scan ${options.paths.join(' ')} -f ${options.format} --min-confidence low --no-result-cache, ${options.runs} rounds, medians; tree ${options.tree}`,
    '',
    '| run | files | wall | CPU | peak RSS |',
    '|---|---:|---:|---:|---:|',
    row('single run', '', single),
  ];
  for (const n of options.shards) {
    for (let i = 1; i <= n; i++) lines.push(row(`shard ${i}/${n}`, String(filesOf.get(`${i}/${n}`) ?? ''), perShard.get(`${i}/${n}`)!));
    lines.push(row(`merge of ${n} (${identical.get(n) ? 'byte-identical to the single run' : 'DIFFERS from the single run'})`, '', merges.get(n)!));
  }
  process.stdout.write(lines.join('\n') + '\n');
  fs.rmSync(out, { recursive: true, force: true });
  if ([...identical.values()].some((same) => !same)) process.exitCode = 1;
}

main();
