// Whether a tree's index is current: the tree listed and stat'ed now, against
// the manifest and name table the cache holds for it. buildIndex starts here;
// a scan asks it on a worker thread while it analyses with the index as it is
// (session.ts, openTypeSessionEarly).

import * as fs from 'node:fs';
import type { InputProblem } from '../model';
import type { SourceFile } from '../input/walk';
import { SOURCE_EXTENSIONS } from '../commands/common';
import type { TreeDirectory } from './tree-directory';
import { Manifest, ManifestEntry, readManifest } from './manifest';
import { tableIdOf } from './name-table';
import { listTreeFiles, TreeFile, TreeListing } from './tree-files';

/** A file whose stat changed (or that is new, or lost its facts): its content has to be looked at. */
export interface Candidate {
  file: SourceFile;
  path: string;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
  /** Set once the main thread has read it. */
  hash?: string;
  problem?: InputProblem;
}

export interface TreeComparison {
  /** The tree's manifest; null when there is none, it is damaged or is another tree's, or the index is rebuilt. */
  previous: Manifest | null;
  listing: TreeListing;
  /** The manifest's entries of files whose stat is unchanged. */
  next: Map<string, ManifestEntry>;
  changed: Candidate[];
  /** Files the manifest has that are gone. */
  removed: number;
  /** The id of the table on disk (with its delta), null if it does not open. */
  tableId: string | null;
  /** Nothing to do: the index on disk is the tree's as it is now. */
  current: boolean;
}

/** Lists the tree and compares it with `previous`, the tree's manifest (ownManifest), and its table. */
export function compareTreeWithIndex(
  treeRoot: string,
  tree: TreeDirectory,
  previous: Manifest | null,
  options: { notice: (message: string) => void },
): TreeComparison {
  const listing = listTreeFiles(treeRoot, SOURCE_EXTENSIONS);
  const { next, changed, removed } = compareWithManifest(listing.files, previous);
  const tableId = previous ? tableIdOf(tree.tablePath, options.notice) : null;
  const current = previous !== null && changed.length === 0 && removed === 0 && tableId === previous.tableId;
  return { previous, listing, next, changed, removed, tableId, current };
}

/** This tree's manifest; a damaged one is said so and treated as absent (the tree is indexed again, facts coming from the pack). */
export function ownManifest(tree: TreeDirectory, root: string, notice: (message: string) => void): Manifest | null {
  const read = readManifest(tree.manifestPath);
  if (read.manifest === null) {
    if (read.damage) notice(`cache: the manifest ${tree.manifestPath} is ${read.damage}; this tree's index is rebuilt`);
    return null;
  }
  if (read.manifest.root !== root) {
    notice(`cache: the manifest ${tree.manifestPath} is for another tree (${read.manifest.root}); this tree's index is rebuilt`);
    return null;
  }
  return read.manifest;
}

/** Splits the files into unchanged (size and mtime as in the manifest) and changed or new. */
function compareWithManifest(
  files: readonly TreeFile[],
  previous: Manifest | null,
): { next: Map<string, ManifestEntry>; changed: Candidate[]; removed: number } {
  const next = new Map<string, ManifestEntry>();
  const changed: Candidate[] = [];
  let stillThere = 0;
  for (const file of files) {
    const old = previous?.files.get(file.path);
    if (old) stillThere++;
    if (old && old.size === file.size && old.mtimeMs === file.mtimeMs && !mayHaveBecomeReadable(old, file)) {
      // The inode may differ (a checkout rewrote the file with the same stat): remember the current one.
      next.set(file.path, old.ino === file.ino && old.dev === file.dev ? old : { ...old, dev: file.dev, ino: file.ino });
    } else {
      changed.push({ ...file, file: sourceFile(file.absolutePath, file.path, file.size) });
    }
  }
  return { next, changed, removed: previous ? previous.files.size - stillThere : 0 };
}

/** chmod changes neither size nor mtime, so a file that was unreadable is tried again when it may now be read. */
function mayHaveBecomeReadable(entry: ManifestEntry, file: TreeFile): boolean {
  if (entry.problem?.kind !== 'unreadable') return false;
  try {
    fs.accessSync(file.absolutePath, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Problems name files by displayPath: tree-relative, like everything in the index. */
export function sourceFile(absolutePath: string, treePath: string, size: number): SourceFile {
  return { absolutePath, displayPath: treePath, size };
}
