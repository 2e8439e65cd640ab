// CPU of one rule's analysis, in process, pass after pass over the same
// files: typerFor (the file's own facts and scope) and the rule's check,
// summed over the files the rule's pre-filter lets through. Reading,
// normalising and parsing are done per pass but not counted. Pass 1 of a
// process is cold (JIT, empty per-thread caches, the index read from disk);
// the later passes are warm. process.cpuUsage counts every thread of the
// process, so V8's background compilation is in the cold pass.
//
// Usage: npm run build && node dist/bench/rule-cpu.js [options] PATH...   (PATH relative to the tree)
//   --tree DIR        the kernel tree (default /root/.cache/patch-audit-kernel/linux-source-6.1)
//   --cache-dir DIR   where its warm type index is (default: patch-audit's default cache dir)
//   --rule ID         default seqcount-truncation
//   --passes N        default 6
//   --dist DIR        measure another build's dist/ (e.g. a copy of main's) with this script
// Prints one JSON line: per pass, ms of CPU in typerFor and in the check, the findings and a digest of them.
// Compare two builds by alternating processes, e.g.:
//   for i in 1 2 3; do for d in /tmp/main-dist dist; do node dist/bench/rule-cpu.js --dist $d arch/x86/kvm; done; done

import { eachArgument } from './arguments';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const DEFAULT_TREE = '/root/.cache/patch-audit-kernel/linux-source-6.1';

interface Options {
  tree: string;
  cacheDir?: string;
  rule: string;
  passes: number;
  dist: string;
  paths: string[];
}

interface PassCpu {
  pass: number;
  typer: number;
  check: number;
  total: number;
  findings: number;
  digest: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { tree: DEFAULT_TREE, rule: 'seqcount-truncation', passes: 6, dist: path.resolve(__dirname, '..'), paths: [] };
  eachArgument(argv, (argument, value) => {
    switch (argument) {
      case '--tree': options.tree = path.resolve(value()); break;
      case '--cache-dir': options.cacheDir = path.resolve(value()); break;
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

// The modules come from the build given with --dist, which may differ from this one: they are untyped here.
async function measure(options: Options): Promise<{ dist: string; files: number; rows: PassCpu[] }> {
  const load = (module: string): any => require(path.join(options.dist, module));
  const { openTypeSession } = load('src/types/session');
  // Builds before the index handle had its own module keep these in session.js.
  const opened = fs.existsSync(path.join(options.dist, 'src/types/index-handle.js')) ? load('src/types/index-handle') : load('src/types/session');
  const { typeIndexOf, typerFor } = opened;
  // Builds before index-path.ts keep indexPathOf with the handle.
  const { indexPathOf } = fs.existsSync(path.join(options.dist, 'src/types/index-path.js')) ? load('src/types/index-path') : opened;
  const { loadRule } = load('src/engine/registry');
  const { collectSourceFiles } = load('src/input/walk');
  const { readSourceBytes, decodeSource } = load('src/input/read');
  const { parseFile } = load('src/frontend/parse');
  const { normalise } = load('src/frontend/normalise');
  const { loadHints } = load('src/frontend/hints');
  const { knowledgeFor } = load('src/knowledge');
  const { matcherFor, runRules } = load('src/engine/analyse-file');

  const session = await openTypeSession({ tree: options.tree, cacheDir: options.cacheDir, hintFiles: [], jobs: 1, progress: false, abi: 'lp64', arch: 'x86' });
  const rule = loadRule(options.rule);
  const knowledge = knowledgeFor([]);
  const hints = loadHints([]);
  const maxBytes = 32 << 20;
  const { files } = await collectSourceFiles(options.paths.map((p) => path.join(options.tree, p)), { cwd: options.tree, extensions: ['.c', '.h'] });
  const matcher = matcherFor(rule, knowledge);
  const inputs: { file: any; bytes: Buffer }[] = [];
  for (const file of files) {
    const read = readSourceBytes(file, { maxBytes });
    if (read.ok && matcher(read.bytes)) inputs.push({ file, bytes: read.bytes });
  }
  const index = typeIndexOf(session.handle);
  const cpuMs = () => {
    const used = process.cpuUsage();
    return (used.user + used.system) / 1000;
  };
  const rows: PassCpu[] = [];
  for (let pass = 1; pass <= options.passes; pass++) {
    let typer = 0;
    let check = 0;
    let findings = 0;
    const digest = createHash('sha1');
    for (const { file, bytes } of inputs) {
      const { text, encoding } = decodeSource(file, bytes);
      const parsed = parseFile(file.displayPath, text, { hints, encoding, normalised: normalise(text, hints) });
      const indexPath = indexPathOf(session.handle, file.absolutePath, file.displayPath);
      let typerMs = 0;
      const start = cpuMs();
      const result = runRules(parsed, [rule], {
        makeTyper: () => {
          const before = cpuMs();
          const made = typerFor(parsed, index, indexPath);
          typerMs += cpuMs() - before;
          return made;
        },
        knowledge,
        lowTierWanted: true,
      });
      const elapsed = cpuMs() - start;
      typer += typerMs;
      check += elapsed - typerMs;
      findings += result.findings.length;
      for (const problem of result.problems) process.stderr.write(`${problem.path}: ${problem.reason}\n`);
      digest.update(JSON.stringify(result.findings));
    }
    rows.push({ pass, typer: Math.round(typer), check: Math.round(check), total: Math.round(typer + check), findings, digest: digest.digest('hex').slice(0, 12) });
  }
  return { dist: options.dist, files: inputs.length, rows };
}

if (require.main === module) {
  measure(parseArgs(process.argv.slice(2))).then(
    (result) => console.log(JSON.stringify(result)),
    (error: Error) => {
      process.stderr.write(`rule-cpu: ${error.message}\n`);
      process.exit(2);
    },
  );
}
