// CPU of the name table's look-ups, in process: a sequence of lookups and
// includesOf calls recorded from a real scan (record-lookups.ts, one file per
// worker thread) is replayed against a freshly opened table, pass after pass.
// Pass 1 of a process is cold (JIT, page reads, empty decoded cache), as a
// scan worker is; the later passes open the table again (data cold, JIT warm).
// process.cpuUsage counts every thread, so V8's background compiles are in;
// `main` and `others` split it (from /proc/self/task/*/schedstat, in ms).
//
// Usage: npm run build && node dist/bench/lookup-cpu.js [options] LOOKUPS-FILE
//   --table PATH   the names.table to read (required)
//   --passes N     default 4
//   --dist DIR     measure another build's dist/ (e.g. a copy of main's) with this script
// Recording a kvm scan's lookups, one file per scan worker:
//   mkdir /tmp/rec && cd $K && PATCH_AUDIT_RECORD_LOOKUPS=/tmp/rec node --require <repo>/dist/bench/record-lookups.js \
//     <repo>/dist/src/cli.js scan arch/x86/kvm -r seqcount-truncation --min-confidence low --no-result-cache -j 2 -f json
// A file of only its L lines (or only its I lines) times the key lookups (or the includes) alone.
// Prints one JSON line: per pass, ms of CPU and wall, and a digest of what was returned.
// Compare two builds by alternating processes.

import { eachArgument } from './arguments';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Options {
  table: string;
  passes: number;
  dist: string;
  lookups: string;
}

function parseArgs(argv: string[]): Options {
  const options: Partial<Options> = { passes: 4, dist: path.resolve(__dirname, '..') };
  eachArgument(argv, (argument, value) => {
    switch (argument) {
      case '--table': options.table = path.resolve(value()); break;
      case '--passes': options.passes = Number(value()); break;
      case '--dist': options.dist = path.resolve(value()); break;
      default: options.lookups = argument;
    }
  });
  if (!options.table || !options.lookups) throw new Error('usage: lookup-cpu.js --table PATH [--passes N] [--dist DIR] LOOKUPS-FILE');
  return options as Options;
}

function measure(options: Options) {
  // The module comes from the build given with --dist, which may differ from this one: untyped here.
  const { NameTable } = require(path.join(options.dist, 'src/types/name-table'));
  const calls = fs
    .readFileSync(options.lookups, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => [line[0], line.slice(2)] as const);
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  // Nanoseconds on the CPU of this thread (the first task is the main thread), and of all the others.
  const threadNs = () => {
    let main = 0;
    let others = 0;
    for (const task of fs.readdirSync('/proc/self/task')) {
      const ns = Number(fs.readFileSync(`/proc/self/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      if (Number(task) === process.pid) main = ns;
      else others += ns;
    }
    return { main, others };
  };
  const rows = [];
  for (let pass = 1; pass <= options.passes; pass++) {
    const answers: unknown[] = [];
    const threads0 = threadNs();
    const cpu0 = cpuMs();
    const wall0 = performance.now();
    const table = NameTable.open(options.table);
    // Time in each kind of call, on this thread (the clock read costs well under a microsecond).
    let lookupMs = 0;
    let includesMs = 0;
    for (const [kind, arg] of calls) {
      const before = performance.now();
      if (kind === 'L') {
        answers.push(table.lookup(arg));
        lookupMs += performance.now() - before;
      } else {
        answers.push(table.includesOf(arg));
        includesMs += performance.now() - before;
      }
    }
    const cpu = cpuMs() - cpu0;
    const wall = performance.now() - wall0;
    const threads = threadNs();
    table.close();
    // Digested after the clock stops: the whole answers, so that a change in what a lookup returns shows.
    const digest = createHash('sha1');
    let decls = 0;
    for (const answer of answers) {
      if (Array.isArray(answer) && answer.length && 'file' in answer[0]) decls += answer.length;
      digest.update(JSON.stringify(answer) ?? 'undefined');
    }
    rows.push({
      pass,
      cpu: Math.round(cpu),
      main: Math.round((threads.main - threads0.main) / 1e6),
      others: Math.round((threads.others - threads0.others) / 1e6),
      wall: Math.round(wall),
      lookupMs: Math.round(lookupMs),
      includesMs: Math.round(includesMs),
      decls, digest: digest.digest('hex').slice(0, 12),
    });
  }
  return { dist: options.dist, calls: calls.length, rows };
}

if (require.main === module) {
  try {
    console.log(JSON.stringify(measure(parseArgs(process.argv.slice(2)))));
  } catch (error) {
    process.stderr.write(`lookup-cpu: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
