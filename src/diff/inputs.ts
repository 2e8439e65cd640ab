// Where a series comes from: patch or mbox files, standard input, or the
// commits of a git range. Each input is read whole, size-checked and decoded
// here; the series reader never sees bytes.

import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import type { PatchProblem, PatchSource } from './model';
import { readSeries } from './series';
import { git, GitRevisionTree, TreeSource } from './tree-source';

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

/** The empty tree's id: the base of a root commit. */
const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/**
 * One patch per commit of `range` (any rev-list range: A..B, A...B, B ^A),
 * oldest first, merges left out; each applies to its own parent as stored in git.
 */
export function readGitRange(repository: string, range: string): SeriesInput {
  const input: SeriesInput = { entries: [], problems: [] };
  const label = `git ${range}`;
  if (range.startsWith('-')) {
    input.problems.push({ kind: 'malformed', patch: label, reason: `'${range}' is not a revision range`, applied: false });
    return input;
  }
  let commits: string[];
  let merges: number;
  try {
    commits = gitText(repository, ['rev-list', '--reverse', '--no-merges', '--end-of-options', range]).split('\n').filter(Boolean);
    merges = Number(gitText(repository, ['rev-list', '--count', '--merges', '--end-of-options', range]).trim());
  } catch (error) {
    input.problems.push({ kind: 'unreadable', patch: label, reason: `git cannot list the range: ${gitError(error)}`, applied: false });
    return input;
  }
  if (merges > 0) {
    input.problems.push({ kind: 'empty', patch: label, reason: `${merges} merge commit(s) in the range are not audited (their changes come with the merged commits)`, applied: true });
  }
  if (commits.length === 0) input.problems.push({ kind: 'empty', patch: label, reason: 'the range has no commits', applied: false });
  commits.forEach((commit, i) => {
    const short = commit.slice(0, 12);
    // Prefixes and renames fixed here, whatever the user's git configuration says.
    const text = gitText(repository, ['-c', 'diff.noprefix=false', '-c', 'diff.mnemonicPrefix=false', 'format-patch', '--stdout', '--no-signature', '-M', '-1', commit]);
    const series = readSeries(text, `commit ${short}`);
    input.problems.push(...series.problems);
    const parent = hasParent(repository, commit) ? `${commit}^` : EMPTY_TREE;
    for (const patch of series.patches) {
      input.entries.push({ patch: { ...patch, index: i + 1, total: commits.length, commit, label: `commit ${short}` }, base: new GitRevisionTree(repository, parent) });
    }
  });
  return input;
}

function hasParent(repository: string, commit: string): boolean {
  try {
    gitText(repository, ['rev-parse', '--verify', '--quiet', `${commit}^`]);
    return true;
  } catch {
    return false;
  }
}

/** The top of the git work tree around `directory`, or null when it is not in one. */
export function gitTopLevel(directory: string): string | null {
  try {
    return gitText(directory, ['rev-parse', '--show-toplevel']).trim();
  } catch {
    return null;
  }
}

function gitText(repository: string, args: string[]): string {
  return git(repository, args).toString('utf8');
}

function gitError(error: unknown): string {
  const stderr = (error as { stderr?: Buffer }).stderr?.toString('utf8').trim();
  return stderr || (error as Error).message;
}
