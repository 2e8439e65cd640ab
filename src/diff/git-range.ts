// The commits of a git range as a series: each commit's patch (git
// format-patch), applied to its own parent as stored in git, with the types
// of that parent. Six git commands in all, however long the range: the
// commits and their parents, every patch, the commit checked out, the working
// tree's changes, what each parent's tree changes against that commit, and
// the files git tracks.

import { gitError } from './git-runner';
import type { GitRepository } from './git-repository';
import type { SeriesInput } from './inputs';
import { readSeries } from './series';
import { DiskTree, GitRevisionTree } from './tree-source';

/** The empty tree's id: the base of a root commit. */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

interface RangeCommit {
  commit: string;
  /** The first parent, or the empty tree for a root commit. */
  parent: string;
}

/**
 * One patch per commit of `range` (one rev-list argument: A..B, A...B, B),
 * oldest first, merges left out; each applies to its own parent.
 */
export function readGitRange(repository: GitRepository, range: string): SeriesInput {
  const input: SeriesInput = { entries: [], problems: [] };
  const label = `git ${range}`;
  if (range.startsWith('-')) {
    input.problems.push({ kind: 'malformed', patch: label, reason: `'${range}' is not a revision range`, applied: false });
    return input;
  }
  let listed: { commits: RangeCommit[]; merges: number };
  try {
    listed = listCommits(repository, range);
  } catch (error) {
    input.problems.push({ kind: 'unreadable', patch: label, reason: `git cannot list the range: ${gitError(error)}`, applied: false });
    return input;
  }
  const { commits, merges } = listed;
  if (merges > 0) {
    input.problems.push({ kind: 'empty', patch: label, reason: `${merges} merge commit(s) in the range are not audited (their changes come with the merged commits)`, applied: true });
  }
  if (commits.length === 0) {
    input.problems.push({ kind: 'empty', patch: label, reason: 'the range has no commits', applied: false });
    return input;
  }
  let patches: Map<string, string>;
  let differing: Map<string, string[]>;
  let tracked: Set<string>;
  try {
    patches = patchesOf(repository, commits);
    differing = filesDifferingFromWorkingTree(repository, [...new Set(commits.map((c) => c.parent))]);
    tracked = trackedRegularFiles(repository);
  } catch (error) {
    input.problems.push({ kind: 'unreadable', patch: label, reason: `git cannot read the range's commits: ${gitError(error)}`, applied: false });
    return input;
  }
  const workingTree = { files: tracked, tree: new DiskTree(repository.root) };
  commits.forEach(({ commit, parent }, i) => {
    const short = commit.slice(0, 12);
    const series = readSeries(patches.get(commit) ?? '', `commit ${short}`);
    input.problems.push(...series.problems);
    const base = new GitRevisionTree(repository, parent, differing.get(parent) ?? [], workingTree);
    for (const patch of series.patches) {
      input.entries.push({ patch: { ...patch, index: i + 1, total: commits.length, commit, label: `commit ${short}` }, base });
    }
  });
  return input;
}

/** `rev-list --parents`: each commit with its parents, oldest first; merges counted and left out. */
function listCommits(repository: GitRepository, range: string): { commits: RangeCommit[]; merges: number } {
  const commits: RangeCommit[] = [];
  let merges = 0;
  for (const line of repository.run(['rev-list', '--reverse', '--parents', '--end-of-options', range]).split('\n')) {
    const [commit, ...parents] = line.split(' ').filter(Boolean);
    if (!commit) continue;
    if (parents.length > 1) merges++;
    else commits.push({ commit, parent: parents[0] ?? EMPTY_TREE });
  }
  return { commits, merges };
}

const MESSAGE_SEPARATOR = /^From ([0-9a-f]{40}|[0-9a-f]{64}) Mon Sep 17 00:00:00 2001$/gm;

/**
 * Every commit's format-patch message, by commit, from one format-patch run
 * over exactly these commits (`--root`: one commit is not "since"). A commit
 * with no change has no message.
 * Prefixes, renames and numbering are fixed here, whatever the user's git
 * configuration says.
 */
function patchesOf(repository: GitRepository, commits: readonly RangeCommit[]): Map<string, string> {
  const args = ['-c', 'diff.noprefix=false', '-c', 'diff.mnemonicPrefix=false', 'format-patch', '--stdout', '--no-signature', '--no-cover-letter', '-M', '--no-numbered', '--root', '--no-walk=unsorted', '--stdin'];
  const text = repository.run(args, commits.map((c) => `${c.commit}\n`).join(''));
  const starts = [...text.matchAll(MESSAGE_SEPARATOR)].map((match) => ({ commit: match[1], at: match.index ?? 0 }));
  const messages = new Map<string, string>();
  starts.forEach((start, i) => messages.set(start.commit, text.slice(start.at, i + 1 < starts.length ? starts[i + 1].at : text.length)));
  return messages;
}

/**
 * For each revision, the files whose text in the working tree may differ
 * from it: what the working tree changes against HEAD, with what HEAD's tree
 * changes against the revision's (one `diff-tree --stdin` for all of them).
 */
function filesDifferingFromWorkingTree(repository: GitRepository, revisions: readonly string[]): Map<string, string[]> {
  // diff-tree --stdin takes object ids only: HEAD resolved first (the empty tree when nothing is checked out yet).
  const head = headCommit(repository) ?? EMPTY_TREE;
  const working = nulList(repository.run(['diff', '--name-only', '-z', '--no-renames', head, '--']));
  const pairs = revisions.map((revision) => `${revision} ${head}\n`).join('');
  const output = nulList(repository.run(['diff-tree', '-r', '-z', '--no-renames', '--name-only', '--always', '--stdin'], pairs));
  // The output: each pair's first id, then the names that differ; ids and names are told apart by position.
  const byRevision = new Map<string, Set<string>>();
  const expected = new Set(revisions);
  let current: Set<string> | null = null;
  for (const item of output) {
    const id = current === null || (expected.has(item) && !byRevision.has(item)) ? item : null;
    if (id !== null) {
      current = new Set(working);
      byRevision.set(id, current);
    } else {
      current!.add(item);
    }
  }
  return new Map(
    revisions.map((revision) => {
      const files = byRevision.get(revision);
      if (!files) throw new Error(`git diff-tree gave no answer for ${revision}`);
      return [revision, [...files].sort()];
    }),
  );
}

/** The regular files of git's index (not symlinks or submodules, not unmerged): what the working tree holds as git does. */
function trackedRegularFiles(repository: GitRepository): Set<string> {
  const files = new Set<string>();
  for (const entry of nulList(repository.run(['ls-files', '-z', '--stage']))) {
    const tab = entry.indexOf('\t');
    const [mode, , stage] = entry.slice(0, tab).split(' ');
    if ((mode === '100644' || mode === '100755') && stage === '0') files.add(entry.slice(tab + 1));
  }
  return files;
}

function headCommit(repository: GitRepository): string | null {
  try {
    return repository.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).trim() || null;
  } catch {
    return null;
  }
}

function nulList(text: string): string[] {
  return text.split('\0').filter(Boolean);
}
