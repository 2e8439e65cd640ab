// Diff-mode benchmark: a one-file patch and a ten-patch series audited
// against a whole kernel tree with a warm type index, each run measured by
// GNU `time -v`; medians reported. The patches are made here from the tree
// itself (edits of its own files), so nothing of the kernel is kept in the repo.
//
// Usage: node dist/bench/diff-bench.js [--tree DIR] [--runs N] [--cache-dir DIR] [--keep DIR]

import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Measurement, median, TimedCliRun, timedCli } from './bench';

const ROOT = path.resolve(__dirname, '..', '..');
const KERNEL_TREE_SCRIPT = path.resolve(ROOT, '..', 'shared', 'kernel-tree.sh');

/** Files the series edits: KVM, mm and a driver, one patch each. */
const SERIES_FILES = [
  'arch/x86/kvm/mmu/mmu.c',
  'virt/kvm/kvm_main.c',
  'virt/kvm/async_pf.c',
  'mm/gup.c',
  'mm/memory.c',
  'mm/page_alloc.c',
  'arch/x86/kvm/x86.c',
  'drivers/usb/usbip/vhci_rx.c',
  'fs/ext4/inode.c',
  'kernel/fork.c',
];

interface Options {
  tree: string;
  runs: number;
  cacheDir?: string;
  /** Write the generated patches to this folder and keep them. */
  keep?: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tree: '', runs: 5 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--tree') options.tree = argv[++i];
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--cache-dir') options.cacheDir = argv[++i];
    else if (arg === '--keep') options.keep = argv[++i];
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!options.tree) options.tree = execFileSync(KERNEL_TREE_SCRIPT, { encoding: 'utf8' }).trim().split('\n').pop()!;
  return options;
}

/**
 * A git-style patch that drops the check of the first `x = call(...);` whose
 * next line tests `x`, about 60% into the file: the shape ignored-fault-error
 * looks for, in real code.
 */
function editOf(tree: string, file: string): string {
  const before = fs.readFileSync(path.join(tree, file), 'utf8');
  const lines = before.split('\n');
  const start = Math.floor(lines.length * 0.6);
  for (let i = start; i < lines.length - 2; i++) {
    const assign = /^(\t+)(\w+) = (\w+\(.*\);)$/.exec(lines[i]);
    if (assign && new RegExp(`^\\t+if \\(!?${assign[2]}\\b`).test(lines[i + 1])) {
      const after = [...lines.slice(0, i), `${assign[1]}${assign[3]}`, ...lines.slice(i + 1)].join('\n');
      return unifiedDiff(file, before, after);
    }
  }
  throw new Error(`no edit found in ${file}`);
}

/** Document 003's 6.1.y shape reverted: struct kvm_page_fault's snapshot narrowed to int in its header; the bug is in mmu.c. */
function headerEdit(tree: string): string {
  const file = 'arch/x86/kvm/mmu/mmu_internal.h';
  const before = fs.readFileSync(path.join(tree, file), 'utf8');
  const after = before.replace('\tunsigned long mmu_seq;', '\tint mmu_seq;');
  if (after === before) throw new Error(`${file} has no 'unsigned long mmu_seq;' member`);
  return unifiedDiff(file, before, after);
}

function unifiedDiff(file: string, before: string, after: string): string {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-diff-bench-'));
  try {
    fs.mkdirSync(path.join(scratch, 'a', path.dirname(file)), { recursive: true });
    fs.mkdirSync(path.join(scratch, 'b', path.dirname(file)), { recursive: true });
    fs.writeFileSync(path.join(scratch, 'a', file), before);
    fs.writeFileSync(path.join(scratch, 'b', file), after);
    const r = spawnSync('git', ['diff', '--no-index', '--no-prefix', `a/${file}`, `b/${file}`], { cwd: scratch, encoding: 'utf8' });
    // --no-prefix on paths a/<file> and b/<file>: the usual git names, made by git itself.
    return r.stdout;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function email(index: number, total: number, file: string, diff: string): string {
  return [
    'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001',
    'From: Bench <bench@example.org>',
    `Subject: [PATCH ${index}/${total}] ${file}: drop a result check`,
    '',
    '---',
    diff,
  ].join('\n');
}

function measure(args: string[], cwd: string): TimedCliRun {
  return timedCli(args, { cwd });
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const work = options.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pa-diff-bench-'));
  fs.mkdirSync(work, { recursive: true });
  const single = path.join(work, 'single.patch');
  const series = path.join(work, 'series.mbox');
  fs.writeFileSync(single, email(1, 1, SERIES_FILES[0], editOf(options.tree, SERIES_FILES[0])));
  const header = path.join(work, 'header.patch');
  fs.writeFileSync(header, email(1, 1, 'arch/x86/kvm/mmu/mmu_internal.h', headerEdit(options.tree)));
  fs.writeFileSync(series, SERIES_FILES.map((file, i) => email(i + 1, SERIES_FILES.length, file, editOf(options.tree, file))).join('\n'));
  const common = ['--tree', options.tree, '-f', 'json', ...(options.cacheDir ? ['--cache-dir', options.cacheDir] : [])];
  // The first run warms the index (and the page cache); it is not counted.
  measure(['diff', single, ...common], work);
  const inputs = [
    { name: 'one-file patch (arch/x86/kvm/mmu/mmu.c)', file: single },
    { name: 'header-only patch (mmu_internal.h; the finding is in mmu.c)', file: header },
    { name: `${SERIES_FILES.length}-patch series`, file: series },
  ];
  const runs = inputs.map(() => [] as TimedCliRun[]);
  // Side by side: the inputs alternate within each round, so the machine's noise hits both alike.
  for (let round = 0; round < options.runs; round++) inputs.forEach((input, i) => runs[i].push(measure(['diff', input.file, ...common], work)));
  const rows = inputs.map((input, i) => {
    const report = JSON.parse(runs[i][0].stdout) as { summary: { introduced: number; patches: number } };
    const m = (pick: (r: Measurement) => number) => median(runs[i].map(pick));
    return `| ${input.name} | ${m((r) => r.wallS).toFixed(2)} s | ${m((r) => r.cpuS).toFixed(2)} s | ${Math.round(m((r) => r.maxRssKb) / 1024)} MB | ${report.summary.patches} | ${report.summary.introduced} | exit ${runs[i][0].status} |`;
  });
  console.log(`tree: ${options.tree}; ${os.cpus().length} cores; ${options.runs} runs each, medians`);
  console.log('| input | wall | cpu | peak RSS | patches | introduced | exit |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  for (const row of rows) console.log(row);
  if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
}

if (require.main === module) main();
