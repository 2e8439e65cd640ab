// Records a tree's stat fingerprint (the format and its check are in
// stat-fingerprint.ts) after a run that listed the tree: buildIndex, or a
// freshness check that had to compare the tree in full.

import * as fs from 'node:fs';
import { writeFileAtomic } from './atomic-file';
import type { InputProblem } from '../model';
import type { Manifest } from './manifest';
import { FINGERPRINT_HEADER, recordedFingerprint } from './stat-fingerprint';
import type { TreeDirectory } from './tree-directory';
import type { TreeListing } from './tree-files';

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
  const lines = [`${FINGERPRINT_HEADER}\t${tableId}`];
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
  if (recordedFingerprint(tree) !== fingerprint) writeFileAtomic(tree.fingerprintPath, fingerprint);
}
