// Where a series comes from: patch or mbox files, or standard input (the
// commits of a git range are read by git-range.ts). Each input is read whole,
// size-checked and decoded here; the series reader never sees bytes.

import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { PatchProblem, PatchSource } from './model';
import { readSeries } from './series';
import type { TreeSource } from './tree-source';

/** A patch and the tree it is to be applied to (null: the series' shared tree). */
export interface SeriesEntry {
  patch: PatchSource;
  base: TreeSource | null;
}

export interface SeriesInput {
  entries: SeriesEntry[];
  problems: PatchProblem[];
}

export const STDIN = '-';

/** Patch files and mboxes in the order given, `-` for standard input; each patch applies on top of the ones before. */
export function readPatchFiles(paths: readonly string[], maxBytes: number, readStdin: () => Buffer = () => fs.readFileSync(0)): SeriesInput {
  const input: SeriesInput = { entries: [], problems: [] };
  for (const path of paths) {
    const label = path === STDIN ? '<stdin>' : path;
    const bytes = readInput(path, label, maxBytes, readStdin, input.problems);
    if (!bytes) continue;
    const series = readSeries(decode(bytes, label, input.problems), label);
    input.problems.push(...series.problems);
    input.entries.push(...series.patches.map((patch) => ({ patch, base: null })));
  }
  return input;
}

function readInput(path: string, label: string, maxBytes: number, readStdin: () => Buffer, problems: PatchProblem[]): Buffer | null {
  let bytes: Buffer;
  try {
    if (path !== STDIN) {
      const stat = fs.statSync(path);
      if (!stat.isFile()) throw new Error('not a regular file');
      if (stat.size > maxBytes) return tooLarge(label, stat.size, maxBytes, problems);
    }
    bytes = path === STDIN ? readStdin() : fs.readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    problems.push({ kind: 'unreadable', patch: label, reason: `cannot read the patch: ${reason}`, applied: false });
    return null;
  }
  if (bytes.length > maxBytes) return tooLarge(label, bytes.length, maxBytes, problems);
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    problems.push({ kind: 'malformed', patch: label, reason: `not a patch: a NUL byte at offset ${nul} (binary file)`, applied: false });
    return null;
  }
  return bytes;
}

function tooLarge(label: string, size: number, maxBytes: number, problems: PatchProblem[]): null {
  problems.push({ kind: 'too-large', patch: label, reason: `${size} bytes, over the limit of ${maxBytes} bytes; raise it with --max-patch-size`, applied: false });
  return null;
}

/** UTF-8 as mail should be; Latin-1 otherwise, which keeps every byte so hunks still match Latin-1 files. */
function decode(bytes: Buffer, label: string, problems: PatchProblem[]): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  problems.push({ kind: 'not-utf8', patch: label, reason: 'not valid UTF-8; read as Latin-1', applied: true });
  return bytes.toString('latin1');
}
