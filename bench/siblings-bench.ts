// What the search for unfixed siblings adds to a one-file diff: for each
// dropped call named on the command line (FILE:LINE of a `callee(...);`
// statement in the tree), a fix is written here (the call's result tested,
// `if (callee(...)) pr_debug(...);`), and the diff is audited in this process
// with and without the search, alternating, after one warm-up. Medians of
// wall time and of CPU (user + system) are printed. Nothing of the kernel is
// kept: the patches live in a temporary folder.
//
// Usage: node dist/bench/siblings-bench.js --tree DIR [--runs N] FILE:LINE...
// (the type index is taken from PATCH_AUDIT_CACHE_DIR, or --cache-dir DIR)

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { auditPatches } from '../src/commands/diff';
import { DEFAULT_MAX_FILE_SIZE, DEFAULT_MAX_PATCH_SIZE } from '../src/commands/common';

interface Sample {
  wallMs: number;
  cpuMs: number;
  siblings: number;
  candidates: number;
}

/** The patch that tests the result of the call statement starting at `line` (1-based) of `file`. */
export function fixOfDroppedCall(tree: string, file: string, line: number, scratch: string): string {
  const lines = fs.readFileSync(path.join(tree, file), 'utf8').split('\n');
  let end = line - 1;
  let depth = 0;
  for (; end < lines.length; end++) {
    for (const c of lines[end]) depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth === 0 && /\);\s*$/.test(lines[end])) break;
  }
  const first = lines[line - 1];
  const call = /^(\s*)(\w+)\(/.exec(first);
  if (!call || end >= lines.length) throw new Error(`${file}:${line}: not a call statement: ${first.trim()}`);
  const [, indent, callee] = call;
  const fixed = [...lines];
  fixed[line - 1] = `${indent}if (${first.slice(indent.length)}`;
  fixed[end] = fixed[end].replace(/\);\s*$/, '))');
  fixed.splice(end + 1, 0, `${indent}\tpr_debug("${callee}() failed\\n");`);
  const before = path.join(scratch, 'a', file);
  const after = path.join(scratch, 'b', file);
  for (const [target, text] of [[before, lines], [after, fixed]] as const) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text.join('\n'));
  }
  let diff = '';
  try {
    execFileSync('diff', ['-u', `a/${file}`, `b/${file}`], { cwd: scratch, encoding: 'utf8' });
  } catch (error) {
    diff = (error as { stdout: string }).stdout; // diff exits 1 when the files differ
  }
  const header = `From: Bench <bench@example.org>\nSubject: [PATCH] check the result of ${callee}() at ${file}:${line}\n\n---\n`;
  const patch = path.join(scratch, `${path.basename(file)}-${line}.patch`);
  fs.writeFileSync(patch, header + diff.replace(/^(---|\+\+\+) ([ab]\/\S+).*$/gm, '$1 $2'));
  return patch;
}

async function sample(tree: string, patch: string, siblings: boolean, cacheDir: string | undefined): Promise<Sample> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await auditPatches({
    patches: [patch],
    tree,
    minConfidence: 'medium',
    showExisting: false,
    jobs: 2,
    macros: [],
    knowledge: [],
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
    maxPatchSize: DEFAULT_MAX_PATCH_SIZE,
    abi: 'lp64',
    arch: 'x86',
    index: true,
    cacheDir,
    siblings,
  });
  const used = process.cpuUsage(cpu);
  const [audit] = result.patches;
  return {
    wallMs: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    siblings: new Set(audit!.findings.flatMap((f) => f.siblings?.findings ?? [])).size,
    candidates: audit!.siblingSearch?.candidates ?? 0,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at < 0 ? undefined : args.splice(at, 2)[1];
  };
  const tree = path.resolve(option('--tree') ?? '.');
  const runs = Number(option('--runs') ?? 3);
  const cacheDir = option('--cache-dir');
  if (args.length === 0) throw new Error('name at least one dropped call as FILE:LINE');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-siblings-bench-'));
  try {
    for (const place of args) {
      const [file, line] = place.split(':');
      const patch = fixOfDroppedCall(tree, file!, Number(line), scratch);
      await sample(tree, patch, false, cacheDir);
      const on: Sample[] = [];
      const off: Sample[] = [];
      for (let i = 0; i < runs; i++) {
        on.push(await sample(tree, patch, true, cacheDir));
        off.push(await sample(tree, patch, false, cacheDir));
      }
      const wallAdded = median(on.map((s) => s.wallMs)) - median(off.map((s) => s.wallMs));
      const cpuAdded = median(on.map((s) => s.cpuMs)) - median(off.map((s) => s.cpuMs));
      const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      console.log(
        `${place}: ${on[0]!.siblings} unfixed siblings from ${on[0]!.candidates} candidate files; ` +
          `with ${median(on.map((s) => s.wallMs)).toFixed(0)} ms wall / ${median(on.map((s) => s.cpuMs)).toFixed(0)} ms CPU, ` +
          `without ${median(off.map((s) => s.wallMs)).toFixed(0)} ms / ${median(off.map((s) => s.cpuMs)).toFixed(0)} ms; ` +
          `added ${wallAdded.toFixed(0)} ms wall, ${cpuAdded.toFixed(0)} ms CPU (medians of ${runs}; load ${load})`,
      );
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`siblings-bench: ${error.message}`);
  process.exit(2);
});
