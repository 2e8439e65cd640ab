// A tree's stat fingerprint: the mtime of every directory and the size and
// mtime of every C file, as buildIndex listed them, with the id of the table
// that run left. While none of them changed, the index is current, and a run
// can tell without listing the tree or reading its manifest: a stat of each
// directory and file, half the CPU of index-freshness.ts's comparison (and
// it runs beside the analysis, so it is taken from the analysis). Adding,
// removing or renaming a file changes its directory's mtime; writing to a
// file changes its own.

import * as fs from 'node:fs';
import { writeFileAtomic } from './atomic-file';
import type { TreeDirectory } from './facts-cache';
import type { InputProblem } from '../model';
import type { Manifest } from './manifest';
import type { TreeListing } from './tree-files';

const HEADER = 'patch-audit stat fingerprint 1';

/**
 * An mtime this close to the listing (or after it) may not change again when
 * the entry does: file systems stamp times with a coarse clock (a few ms, up
 * to 2 s on FAT), so a second change in the same tick leaves it as it was. As
 * git does with its index, such a listing records no fingerprint; a later run
 * compares the tree in full, and records one once the times have settled.
 */
const RACY_MARGIN_MS = 2000;

/** The fingerprint of a listing, or null when it cannot have one (a path with a tab or newline in it, a racy mtime). */
function statFingerprintOf(listing: TreeListing, tableId: string): string | null {
  const unusable = (entry: { path: string; mtimeMs: number }) =>
    entry.path.includes('\t') || entry.path.includes('\n') || entry.mtimeMs > listing.startedAtMs - RACY_MARGIN_MS;
  if (listing.directories.some(unusable) || listing.files.some(unusable)) return null;
  const lines = [`${HEADER}\t${tableId}`];
  for (const directory of listing.directories) lines.push(`d\t${directory.mtimeMs}\t${directory.path}`);
  for (const file of listing.files) lines.push(`f\t${file.size}\t${file.mtimeMs}\t${file.path}`);
  return lines.join('\n');
}

/**
 * Records the fingerprint of a run that listed `listing` and left (or kept) `manifest`, unless the same is
 * recorded already. None when something could not be listed or vanished meanwhile (`transient`), or could not
 * be read (chmod changes no mtime): the tree is compared in full next time.
 */
export function recordStatFingerprint(tree: TreeDirectory, listing: TreeListing, manifest: Manifest, transient: readonly InputProblem[]): void {
  const unreadable = [...manifest.files.values()].some((entry) => entry.problem?.kind === 'unreadable');
  const fingerprint = listing.problems.length === 0 && transient.length === 0 && !unreadable ? statFingerprintOf(listing, manifest.tableId) : null;
  if (fingerprint === null) {
    fs.rmSync(tree.fingerprintPath, { force: true });
    return;
  }
  if (readOrNull(tree.fingerprintPath) !== fingerprint) writeFileAtomic(tree.fingerprintPath, fingerprint);
}

/** Whether the tree under `root` is still as recorded, for the table whose id is `tableId` (null: none opens). */
export function statFingerprintHolds(root: string, tree: TreeDirectory, tableId: string | null): boolean {
  const text = readOrNull(tree.fingerprintPath);
  if (text === null || tableId === null) return false;
  const lines = text.split('\n');
  if (lines[0] !== `${HEADER}\t${tableId}`) return false;
  const base = root.endsWith('/') ? root : `${root}/`;
  for (let i = 1; i < lines.length; i++) {
    const fields = lines[i].split('\t');
    const stats = statOrNull(base + fields[fields.length - 1]);
    if (!stats) return false;
    if (fields[0] === 'd') {
      if (!stats.isDirectory() || String(stats.mtimeMs) !== fields[1]) return false;
    } else if (!stats.isFile() || String(stats.size) !== fields[1] || String(stats.mtimeMs) !== fields[2]) {
      return false;
    }
  }
  return true;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Null when it is gone or cannot be looked at (a folder made unreadable): either way the tree is compared in full. */
function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}
