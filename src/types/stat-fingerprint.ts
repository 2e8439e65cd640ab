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
import type { TreeDirectory } from './tree-directory';
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

/**
 * Whether the tree under `root` is still as recorded, for the table whose id is `tableId` (null: none opens).
 * The fingerprint's 60,000 lines are read in place, with their numbers compared as numbers: splitting them
 * into fields and writing each stat back as a string took more CPU than the stats themselves.
 */
export function statFingerprintHolds(root: string, tree: TreeDirectory, tableId: string | null): boolean {
  const text = readOrNull(tree.fingerprintPath);
  if (text === null || tableId === null) return false;
  const base = statPrefixFor(root);
  let end = lineEnd(text, 0);
  if (text.slice(0, end) !== `${HEADER}\t${tableId}`) return false;
  for (let start = end + 1; start < text.length; start = end + 1) {
    end = lineEnd(text, start);
    if (!entryHolds(base, text, start, end)) return false;
  }
  return true;
}

/** One line, `d<TAB>mtime<TAB>path` or `f<TAB>size<TAB>mtime<TAB>path`, between `start` and `end`. */
function entryHolds(base: string, text: string, start: number, end: number): boolean {
  const directory = text.startsWith('d\t', start);
  const sizeAt = start + 2;
  const mtimeAt = directory ? sizeAt : text.indexOf('\t', sizeAt) + 1;
  const pathAt = text.indexOf('\t', mtimeAt) + 1;
  if (mtimeAt <= start || pathAt <= mtimeAt || pathAt > end) return false;
  const stats = statOrNull(pathAt === end && base === '' ? '.' : base + text.slice(pathAt, end));
  if (!stats) return false;
  if (directory) return stats.isDirectory() && stats.mtimeMs === numberIn(text, mtimeAt, pathAt - 1);
  return stats.isFile() && stats.size === numberIn(text, sizeAt, mtimeAt - 1) && stats.mtimeMs === numberIn(text, mtimeAt, pathAt - 1);
}

/**
 * What to put before a tree-relative path to stat it. Nothing when the root
 * is the working directory (a scan run from the top of the tree): the kernel
 * then resolves each path from there, instead of walking the root's own
 * components again for each of 60,000 stats (about 15% of their CPU for 6.1).
 * patch-audit never changes its working directory.
 */
function statPrefixFor(root: string): string {
  const base = root.endsWith('/') ? root : `${root}/`;
  return `${process.cwd()}/` === base ? '' : base;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/**
 * The number written (by String) between `from` and `to`; NaN, which equals nothing, for an empty field.
 * Digits are summed where that is exact (up to 15 of them), sparing a string per field.
 */
function numberIn(text: string, from: number, to: number): number {
  if (from >= to) return NaN;
  if (to - from > 15) return Number(text.slice(from, to));
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number(text.slice(from, to));
    value = value * 10 + digit;
  }
  return value;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

const STAT_OPTIONS = { throwIfNoEntry: false } as const;

/** Null when it is gone or cannot be looked at (a folder made unreadable): either way the tree is compared in full. */
function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file, STAT_OPTIONS) ?? null;
  } catch {
    return null;
  }
}
