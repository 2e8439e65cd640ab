// A tree's stat fingerprint: the mtime of every directory and the size and
// mtime of every C file, as buildIndex listed them, with the id of the table
// that run left. While none of them changed, the index is current, and a run
// can tell without listing the tree or reading its manifest: a stat of each
// directory and file, half the CPU of index-freshness.ts's comparison (and
// it runs beside the analysis, so it is taken from the analysis). Adding,
// removing or renaming a file changes its directory's mtime; writing to a
// file changes its own. This module reads and checks a fingerprint, as
// every run does; stat-fingerprint-record.ts writes one, as a refresh does.

import * as fs from 'node:fs';
import type { TreeDirectory } from './tree-directory';

/** The first line of a fingerprint, before the table's id. */
export const FINGERPRINT_HEADER = 'patch-audit stat fingerprint 1';

/**
 * Whether the tree under `root` is still as recorded, for the table whose id is `tableId` (null: none opens).
 * The fingerprint's 60,000 lines are read in place, with their numbers compared as numbers: splitting them
 * into fields and writing each stat back as a string took more CPU than the stats themselves.
 */
export function statFingerprintHolds(root: string, tree: TreeDirectory, tableId: string | null): boolean {
  const text = recordedFingerprint(tree);
  if (text === null || tableId === null) return false;
  const base = statPrefixFor(root);
  let end = lineEnd(text, 0);
  if (text.slice(0, end) !== `${FINGERPRINT_HEADER}\t${tableId}`) return false;
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

/** The tree's fingerprint as recorded, or null when there is none. */
export function recordedFingerprint(tree: TreeDirectory): string | null {
  try {
    return fs.readFileSync(tree.fingerprintPath, 'utf8');
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
