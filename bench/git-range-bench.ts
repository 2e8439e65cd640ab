// `diff --git A..B` beside the same commits as an mbox (`git format-patch`),
// on a git repository made from the 6.1 tree: each route timed by GNU
// `time -v`, alternating, medians; and the two routes' findings compared.
//
// The repository is made on the first run (a real copy, `cp -r`, never hard
// links: the series writes files), with a series of real-shaped commits made
// from the tree itself: a .c change, a change of include/linux/blk_types.h
// (included nearly everywhere), a rename, a 20-file tree-wide conversion.
// The mbox route applies the series to a second checkout at the base.
//
// Usage: node dist/bench/git-range-bench.js [--work DIR] [--kernel DIR] [--runs N] [--cache-dir DIR] [--prepare]
// (--prepare: make the repository and its checkouts, measure nothing)

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Measurement, median, TimedCliRun, timedCli } from './bench';

const KERNEL = '/root/.cache/patch-audit-kernel/linux-source-6.1';

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.org',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.org',
};

interface Options {
  work: string;
  kernel: string;
  runs: number;
  cacheDir?: string;
  /** Only make the repository and the checkouts. */
  prepareOnly: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { work: '/tmp/git-bench', kernel: KERNEL, runs: 3, prepareOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--work') options.work = argv[++i];
    else if (arg === '--kernel') options.kernel = argv[++i];
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--cache-dir') options.cacheDir = argv[++i];
    else if (arg === '--prepare') options.prepareOnly = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', maxBuffer: 1 << 30 });
}

function edit(repo: string, file: string, change: (text: string) => string): void {
  const full = path.join(repo, file);
  const before = fs.readFileSync(full, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`the edit of ${file} changed nothing`);
  fs.writeFileSync(full, after);
}

function commit(repo: string, subject: string): string {
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', subject]);
  return git(repo, ['rev-parse', 'HEAD']).trim();
}

/** The repository (at the tip of the series) and a checkout of its base, made once; the base and tip commits. */
function prepare(options: Options): { repo: string; baseTree: string; base: string; tip: string; header: string } {
  const repo = path.join(options.work, 'linux');
  const baseTree = path.join(options.work, 'base');
  const marks = path.join(options.work, 'commits.json');
  if (fs.existsSync(marks)) return { repo, baseTree, ...(JSON.parse(fs.readFileSync(marks, 'utf8')) as { base: string; tip: string; header: string }) };
  fs.mkdirSync(options.work, { recursive: true });
  execFileSync('cp', ['-r', options.kernel, repo]);
  // Debian's top-level .gitignore ignores everything but debian/: not what a kernel repository has.
  edit(repo, '.gitignore', (text) => text.replace(/^\/\*\n!\/debian\/\n/m, ''));
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'gc.auto', '0']);
  const base = commit(repo, 'Linux 6.1.192 (Debian linux-source-6.1)');

  // 1. A .c fix: a dropped check of a call's result, in the shape of a stable fix's revert.
  edit(repo, 'virt/kvm/kvm_main.c', (text) => dropFirstCheck(text, 0.6));
  commit(repo, 'KVM: do not check the result of a call in kvm_main.c');
  // 2. The header everything includes: REQ_OP_ZONE_OPEN/CLOSE/FINISH renumbered (the 6.1.y fix "block: make REQ_OP_ZONE_OPEN a write operation", reverted).
  edit(repo, 'include/linux/blk_types.h', (text) =>
    text
      .replace('REQ_OP_ZONE_OPEN\t= (__force blk_opf_t)11,', 'REQ_OP_ZONE_OPEN\t= (__force blk_opf_t)10,')
      .replace('REQ_OP_ZONE_CLOSE\t= (__force blk_opf_t)13,', 'REQ_OP_ZONE_CLOSE\t= (__force blk_opf_t)11,')
      .replace('REQ_OP_ZONE_FINISH\t= (__force blk_opf_t)15,', 'REQ_OP_ZONE_FINISH\t= (__force blk_opf_t)12,'),
  );
  const header = commit(repo, 'Revert "block: make REQ_OP_ZONE_OPEN a write operation"');
  // 3. A rename, with the Makefile that builds it.
  git(repo, ['mv', 'drivers/char/ttyprintk.c', 'drivers/char/tty_printk.c']);
  edit(repo, 'drivers/char/Makefile', (text) => text.replace('+= ttyprintk.o', '+= tty_printk.o'));
  commit(repo, 'char: rename ttyprintk.c to tty_printk.c');
  // 4. A tree-wide conversion over 20 files: strlcpy() to strscpy(), as the 6.x series did.
  const files = git(repo, ['grep', '-l', 'strlcpy(', '--', 'drivers/*.c']).split('\n').filter(Boolean).slice(0, 20);
  for (const file of files) edit(repo, file, (text) => text.replace(/\bstrlcpy\(/g, 'strscpy('));
  const tip = commit(repo, 'drivers: use strscpy() instead of strlcpy()');

  git(repo, ['worktree', 'add', '-q', '--detach', baseTree, base]);
  fs.writeFileSync(marks, JSON.stringify({ base, tip, header }));
  return { repo, baseTree, base, tip, header };
}

/** The first `x = call(...);` about `at` of the way down whose next line tests `x` loses its assignment. */
function dropFirstCheck(text: string, at: number): string {
  const lines = text.split('\n');
  for (let i = Math.floor(lines.length * at); i < lines.length - 2; i++) {
    const assign = /^(\t+)(\w+) = (\w+\(.*\);)$/.exec(lines[i]);
    if (assign && new RegExp(`^\\t+if \\(!?${assign[2]}\\b`).test(lines[i + 1])) return [...lines.slice(0, i), `${assign[1]}${assign[3]}`, ...lines.slice(i + 1)].join('\n');
  }
  throw new Error('no result check found');
}

type Run = TimedCliRun;

function measure(args: string[], cwd: string, cacheDir: string | undefined): Run {
  const env = { ...GIT_ENV, ...(cacheDir ? { PATCH_AUDIT_CACHE_DIR: cacheDir } : {}) };
  const r = timedCli(args, { cwd, env });
  if (r.status === 2 || r.status === null) throw new Error(`patch-audit ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
}


interface JsonPatch {
  subject: string;
  findings: { state: string; ruleId: string; confidence: string; location: { file: string; line: number; column: number }; message: string; fingerprint: string }[];
}

/** Per patch, its findings as comparable lines: what the two routes must agree on. */
function findingLines(stdout: string): string[] {
  const report = JSON.parse(stdout) as { patches: JsonPatch[] };
  return report.patches.flatMap((patch, i) =>
    patch.findings.map((f) => `${i + 1} ${f.state} ${f.ruleId} ${f.confidence} ${f.location.file}:${f.location.line}:${f.location.column} ${f.fingerprint} ${f.message}`),
  );
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  const { repo, baseTree, base, tip, header } = prepare(options);
  const mbox = path.join(options.work, 'series.mbox');
  const headerMbox = path.join(options.work, 'header.mbox');
  fs.writeFileSync(mbox, git(repo, ['format-patch', '--stdout', '-M', `${base}..${tip}`]));
  fs.writeFileSync(headerMbox, git(repo, ['format-patch', '--stdout', '-M', `${header}^..${header}`]));
  const headerBase = path.join(options.work, 'header-base');
  if (!fs.existsSync(headerBase)) git(repo, ['worktree', 'add', '-q', '--detach', headerBase, `${header}^`]);
  if (options.prepareOnly) return;

  const common = ['-f', 'json', '--min-confidence', 'low'];
  const cases = [
    { name: `mbox, ${4} patches (\`diff series.mbox --tree base\`)`, args: ['diff', mbox, '--tree', baseTree, ...common], cwd: options.work },
    { name: '`diff --git base..tip`', args: ['diff', '--git', `${base}..${tip}`, ...common], cwd: repo },
    { name: 'mbox, the blk_types.h patch alone', args: ['diff', headerMbox, '--tree', headerBase, ...common], cwd: options.work },
    { name: '`diff --git` of the blk_types.h commit alone', args: ['diff', '--git', `${header}^..${header}`, ...common], cwd: repo },
  ];
  // Warm-up: each tree's index is brought up to date (from its sibling in the cache) and the page cache filled; not counted.
  for (const c of cases) measure(c.args, c.cwd, options.cacheDir);
  const runs = cases.map(() => [] as Run[]);
  for (let round = 0; round < options.runs; round++) cases.forEach((c, i) => runs[i].push(measure(c.args, c.cwd, options.cacheDir)));

  console.log(`repo: ${repo} (${base.slice(0, 12)}..${tip.slice(0, 12)}); ${os.cpus().length} cores; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${options.runs} runs each, alternating, medians`);
  console.log('| route | wall | cpu | peak RSS | findings | exit |');
  console.log('|---|---:|---:|---:|---:|---|');
  cases.forEach((c, i) => {
    const m = (pick: (r: Measurement) => number) => median(runs[i].map(pick));
    console.log(`| ${c.name} | ${m((r) => r.wallS).toFixed(2)} s | ${m((r) => r.cpuS).toFixed(2)} s | ${Math.round(m((r) => r.maxRssKb) / 1024)} MB | ${findingLines(runs[i][0].stdout).length} | ${runs[i][0].status} |`);
  });
  const ratio = (a: number, b: number) => (median(runs[a].map((r) => r.wallS)) / median(runs[b].map((r) => r.wallS))).toFixed(2);
  console.log(`--git / mbox: series ${ratio(1, 0)}x, blk_types.h commit ${ratio(3, 2)}x`);
  for (const [gitCase, mboxCase, what] of [[1, 0, 'series'], [3, 2, 'blk_types.h commit']] as const) {
    const a = findingLines(runs[mboxCase][0].stdout);
    const b = findingLines(runs[gitCase][0].stdout);
    const same = a.length === b.length && a.every((line, k) => line === b[k]);
    console.log(`findings of the ${what}: ${same ? `the same in both routes (${a.length})` : `DIFFER\nmbox:\n${a.join('\n')}\n--git:\n${b.join('\n')}`}`);
  }
}

if (require.main === module) main();
