// CPU of the index freshness check a scan runs beside its analysis
// (freshness-worker.ts), for a tree whose index is current.
//   thread mode (default): the check on its own worker thread, as a scan runs it
//     (runOnce: the thread's start, its modules, the check, its end); the main
//     thread only waits, so the process's CPU is the thread's.
//   inline mode (--inline): the worker's modules loaded, then the check run
//     pass after pass in this thread; pass 1 is cold (JIT, the fingerprint file read).
//
// Usage: npm run build && node dist/bench/freshness-cpu.js [options]
//   --tree DIR        the kernel tree (default /root/.cache/patch-audit-kernel/linux-source-6.1)
//   --cache-dir DIR   where its warm index is (default: patch-audit's default cache dir)
//   --passes N        default 4
//   --inline          run the check in this thread
//   --dist DIR        measure another build's dist/ (e.g. a copy of main's) with this script
// Prints one JSON line: per pass, ms of user and system CPU and of wall, and the answer.
// Compare two builds by alternating processes.

import { eachArgument } from './arguments';
import * as fs from 'node:fs';
import * as path from 'node:path';

const DEFAULT_TREE = '/root/.cache/patch-audit-kernel/linux-source-6.1';

interface Options {
  tree: string;
  cacheDir?: string;
  passes: number;
  inline: boolean;
  dist: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tree: DEFAULT_TREE, passes: 4, inline: false, dist: path.resolve(__dirname, '..') };
  eachArgument(argv, (argument, value) => {
    switch (argument) {
      case '--tree': options.tree = path.resolve(value()); break;
      case '--cache-dir': options.cacheDir = path.resolve(value()); break;
      case '--passes': options.passes = Number(value()); break;
      case '--inline': options.inline = true; break;
      case '--dist': options.dist = path.resolve(value()); break;
      default: throw new Error(`unknown argument ${argument}`);
    }
  });
  if (!(options.passes >= 1)) throw new Error('--passes needs a positive number');
  return options;
}

// The modules come from the build given with --dist, which may differ from this one: they are untyped here.
async function measure(options: Options) {
  const load = (module: string): any => require(path.join(options.dist, module));
  const { KeyDirectory, cacheKey } = load('src/types/facts-cache');
  const { defaultCacheDir } = load('src/types/cache-dir');
  const root = fs.realpathSync(options.tree);
  const tree = new KeyDirectory(options.cacheDir ?? defaultCacheDir(), cacheKey([])).tree(root);
  const task = { root, treeDirectory: tree.path };
  const script = path.join(options.dist, 'src/types/freshness-worker.js');
  const { runOnce, workerScript } = load('src/workers/pool');
  const check: () => Promise<boolean> | boolean = options.inline
    ? () => require(script).default(task)
    : () => runOnce(workerScript(script), task);
  const rows = [];
  for (let pass = 1; pass <= options.passes; pass++) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const current = await check();
    const used = process.cpuUsage(cpu);
    rows.push({ pass, user: Math.round(used.user / 1000), system: Math.round(used.system / 1000), wall: Math.round(performance.now() - wall), current });
  }
  return { dist: options.dist, mode: options.inline ? 'inline' : 'thread', rows };
}

if (require.main === module) {
  measure(parseArgs(process.argv.slice(2))).then(
    (result) => console.log(JSON.stringify(result)),
    (error: Error) => {
      process.stderr.write(`freshness-cpu: ${error.message}\n`);
      process.exit(2);
    },
  );
}
