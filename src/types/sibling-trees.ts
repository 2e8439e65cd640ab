// What a tree indexed for the first time takes from the other trees of its
// cache key: the entries of files that are the very same files (hard links),
// and a base name table to lay its own delta over.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { KeyDirectory } from './facts-cache';
import type { TreeDirectory } from './tree-directory';
import { Manifest, ManifestEntry, readManifest } from './manifest';
import { TableFile } from './table-file';

export interface Sibling {
  directory: TreeDirectory;
  manifest: Manifest;
}

/** The other trees of the key with a readable manifest, most recently used first. */
export function siblingsOf(keyDirectory: KeyDirectory, own: TreeDirectory): Sibling[] {
  return keyDirectory
    .trees()
    .filter((directory) => directory.path !== own.path)
    .map((directory) => ({ directory, lastUsed: directory.lastUsedMs(), manifest: readManifest(directory.manifestPath).manifest }))
    .filter((s): s is { directory: TreeDirectory; lastUsed: number; manifest: Manifest } => s.manifest !== null)
    .sort((a, b) => b.lastUsed - a.lastUsed)
    .map(({ directory, manifest }) => ({ directory, manifest }));
}

export interface StatOfFile {
  path: string;
  size: number;
  mtimeMs: number;
  dev: number;
  ino: number;
}

/**
 * The sibling entry of a file that is the same file as one a sibling indexed:
 * same path, device, inode, size and mtime (a copy made with `cp -al`, or a
 * bind mount). Its content is what the sibling read, as surely as an
 * unchanged stat means unchanged content within one tree.
 */
export function linkedEntry(siblings: readonly Sibling[], file: StatOfFile): ManifestEntry | undefined {
  for (const sibling of siblings) {
    const entry = sibling.manifest.files.get(file.path);
    if (entry && entry.ino === file.ino && entry.dev === file.dev && entry.size === file.size && entry.mtimeMs === file.mtimeMs) return entry;
  }
  return undefined;
}

export interface SiblingBase {
  sibling: Sibling;
  table: TableFile;
  /** Files of the tree whose facts the sibling's base holds as they are. */
  shared: number;
}

/**
 * The sibling whose base table holds the facts of most of `files` as they
 * are, with that table open; null when no sibling shares any. Under the cache
 * lock, so that the sibling's table is the one its manifest names.
 */
export function bestSiblingBase(siblings: readonly Sibling[], files: ReadonlyMap<string, ManifestEntry>): SiblingBase | null {
  let best: { sibling: Sibling; shared: number } | null = null;
  for (const sibling of siblings) {
    let shared = 0;
    for (const [file, entry] of files) {
      const theirs = sibling.manifest.files.get(file);
      if (entry.hash && theirs?.inBase && theirs.hash === entry.hash) shared++;
    }
    if (shared > 0 && (!best || shared > best.shared)) best = { sibling, shared };
  }
  if (!best) return null;
  try {
    const table = TableFile.open(best.sibling.directory.tablePath);
    if (table.header.tableId === best.sibling.manifest.baseTableId && !table.header.base) return { ...best, table };
    table.close();
  } catch {
    // the sibling's table is missing or damaged: it will rebuild it itself
  }
  return null;
}

/**
 * Puts a sibling's base table in place as this tree's base: a hard link when
 * the file system allows, else a copy. Safe because a table file is never
 * written in place: a new table is written under a temporary name and renamed
 * over the old path, which leaves the other tree's link untouched.
 */
export function adoptTable(from: string, to: string): void {
  const staged = `${to}.adopt-${crypto.randomBytes(4).toString('hex')}`;
  try {
    fs.linkSync(from, staged);
  } catch {
    fs.copyFileSync(from, staged);
  }
  try {
    fs.renameSync(staged, to);
  } catch (error) {
    fs.rmSync(staged, { force: true });
    throw error;
  }
}
