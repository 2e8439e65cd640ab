// CPU of the parse stage, in process, pass after pass over the same files:
// normalise (tokens, conditionals, hints, heuristics), tree-sitter's parse and
// the copy into the flat table (SyntaxTable.fromTree), summed over the files a
// rule's pre-filter lets through, as a scan's worker sees them. Pass 1 of a
// process is cold (JIT; its copy includes making the parser, which warms the
// copy up); the later passes are warm. process.cpuUsage counts every thread
// of the process, so V8's background compilation and GC count too, in
// whichever phase they happen to run: the phases blur into each other, their
// sum is the firmer figure. A scan with a busy core per worker runs with
// --interrupt-budget=500000 (src/v8-tuning.ts): pass it to node to measure that.
//
// Usage: npm run build && node dist/bench/parse-cpu.js [options] PATH...   (PATH relative to the tree)
//   --tree DIR        the kernel tree (default /root/.cache/patch-audit-kernel/linux-source-6.1)
//   --rule ID         whose pre-filter picks the files (default seqcount-truncation; "all" for every file)
//   --passes N        default 6
//   --dist DIR        measure another build's dist/ (e.g. main's) with this script
// Prints one JSON line: per pass, ms of CPU in normalise, parse and copy, and a digest of the
// normalised texts and of every table's columns (equal digests: identical output).
// Compare two builds by alternating processes, e.g.:
//   for i in 1 2 3; do for d in /work/wt-base/dist dist; do node dist/bench/parse-cpu.js --dist $d arch/x86/kvm; done; done

import { eachArgument } from './arguments';
import { createHash } from 'node:crypto';
import * as path from 'node:path';

const DEFAULT_TREE = '/root/.cache/patch-audit-kernel/linux-source-6.1';

interface Options {
  tree: string;
  rule: string;
  passes: number;
  dist: string;
  paths: string[];
}

interface PassCpu {
  pass: number;
  normalise: number;
  parse: number;
  copy: number;
  stage: number;
  digest: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tree: DEFAULT_TREE, rule: 'seqcount-truncation', passes: 6, dist: path.resolve(__dirname, '..'), paths: [] };
  eachArgument(argv, (argument, value) => {
    switch (argument) {
      case '--tree': options.tree = path.resolve(value()); break;
      case '--rule': options.rule = value(); break;
      case '--passes': options.passes = Number(value()); break;
      case '--dist': options.dist = path.resolve(value()); break;
      default: options.paths.push(argument);
    }
  });
  if (!(options.passes >= 1)) throw new Error('--passes needs a positive number');
  if (options.paths.length === 0) options.paths.push('arch/x86/kvm');
  return options;
}

/** Every column of a table, hashed (through the facade, so that any build's table can be read). */
function hashTable(hash: ReturnType<typeof createHash>, table: any): void {
  const row = new Int32Array(9);
  for (let index = 0; index < table.size; index++) {
    row[0] = table.typeIdOf(index);
    row[1] = table.fieldIdOf(index);
    row[2] = table.startOf(index);
    row[3] = table.endOf(index);
    row[4] = table.parentIndex(index);
    row[5] = table.firstChildIndex(index);
    row[6] = table.nextSiblingIndex(index);
    row[7] = table.lastDescendantIndex(index);
    row[8] = (table.isNamed(index) ? 1 : 0) | (table.isMissing(index) ? 2 : 0) | (table.hasError(index) ? 4 : 0);
    hash.update(row);
  }
}

// The modules come from the build given with --dist, which may differ from this one: they are untyped here.
async function measure(options: Options): Promise<{ dist: string; files: number; bytes: number; rows: PassCpu[] }> {
  const load = (module: string): any => require(path.join(options.dist, module));
  const { loadRule } = load('src/engine/registry');
  const { collectSourceFiles } = load('src/input/walk');
  const { readSourceBytes, decodeSource } = load('src/input/read');
  const { parseNative, SyntaxTable } = load('src/frontend/parse');
  const { normalise } = load('src/frontend/normalise');
  const { loadHints } = load('src/frontend/hints');
  const { knowledgeFor } = load('src/knowledge');
  const { matcherFor } = load('src/engine/analyse-file');

  const hints = loadHints([]);
  const matcher = options.rule === 'all' ? () => true : matcherFor(loadRule(options.rule), knowledgeFor([]));
  const { files } = await collectSourceFiles(options.paths.map((p) => path.join(options.tree, p)), { cwd: options.tree, extensions: ['.c', '.h'] });
  const inputs: { file: any; bytes: Buffer }[] = [];
  let bytes = 0;
  for (const file of files) {
    const read = readSourceBytes(file, { maxBytes: 32 << 20 });
    if (read.ok && matcher(read.bytes)) {
      inputs.push({ file, bytes: read.bytes });
      bytes += read.bytes.length;
    }
  }
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  // The parser is made (and its copy warmed up, where a build does that) before pass 1, as a worker makes it at its first
  // file; it counts in pass 1's copy.
  const setupStart = cpuMs();
  parseNative('int x;');
  const setup = cpuMs() - setupStart;
  const rows: PassCpu[] = [];
  for (let pass = 1; pass <= options.passes; pass++) {
    let normaliseMs = 0;
    let parseMs = 0;
    let copyMs = pass === 1 ? setup : 0;
    const digest = createHash('sha1');
    for (const { file, bytes: fileBytes } of inputs) {
      const { text } = decodeSource(file, fileBytes);
      const t0 = cpuMs();
      const normalised = normalise(text, hints);
      const t1 = cpuMs();
      const tree = parseNative(normalised.text);
      const t2 = cpuMs();
      const table = SyntaxTable.fromTree(tree, normalised.text);
      const t3 = cpuMs();
      normaliseMs += t1 - t0;
      parseMs += t2 - t1;
      copyMs += t3 - t2;
      if (pass === 1) {
        digest.update(normalised.text);
        hashTable(digest, table);
      }
    }
    const round = (ms: number) => Math.round(ms);
    rows.push({
      pass,
      normalise: round(normaliseMs),
      parse: round(parseMs),
      copy: round(copyMs),
      stage: round(normaliseMs + copyMs),
      digest: pass === 1 ? digest.digest('hex').slice(0, 12) : '',
    });
  }
  return { dist: options.dist, files: inputs.length, bytes, rows };
}

if (require.main === module) {
  measure(parseArgs(process.argv.slice(2))).then(
    (result) => console.log(JSON.stringify(result)),
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : String(err));
      process.exitCode = 1;
    },
  );
}
