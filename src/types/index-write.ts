// The write phase of an index build, under the cache key's lock: the facts
// pack, the name table (a delta over a base, or a new base) and the manifest,
// decided against what is on disk at that moment, since another run may have
// written since this one started.

import * as fs from 'node:fs';
import { CacheError, describeError } from './cache-dir';
import type { KeyDirectory } from './facts-cache';
import type { TreeDirectory } from './tree-directory';
import { appendToPack, PackReader, rewritePack } from './facts-pack';
import { hashesOf, Manifest, ManifestEntry, readManifest, writeManifest } from './manifest';
import { adoptTable, bestSiblingBase, Sibling, siblingsOf } from './sibling-trees';
import { EncodedFacts, TableFile } from './table-file';
import { newTableId, writeTableFile } from './table-writer';
import { compareBytewise } from '../input/walk';

/** The delta holds or hides at most this share of the indexed files (or DELTA_MIN_FILES); past it the base is rebuilt. */
const DELTA_MAX_SHARE = 0.02;
const DELTA_MIN_FILES = 256;
/** When this share of the pack's records is facts no tree's file has any more, a base rebuild rewrites the pack without them. */
const PACK_GARBAGE_LIMIT = 0.25;

export interface Written {
  manifest: Manifest;
  wrote: 'manifest' | 'delta' | 'base';
  /** The tree whose base table this tree's table was laid over, when it was adopted in this write. */
  adoptedBaseFrom?: string;
}

/** Writes the manifest with the new stats, if the table on disk is still the one `previous` names; null if not. */
export function rewriteManifest(tree: TreeDirectory, previous: Manifest, next: ReadonlyMap<string, ManifestEntry>): Written | null {
  if (readManifest(tree.manifestPath).manifest?.tableId !== previous.tableId) return null; // another run wrote since
  const manifest = { ...previous, files: sortedByPath(next) };
  writeManifest(tree.manifestPath, manifest);
  return { manifest, wrote: 'manifest' };
}

/** What the write needs from the run that read and parsed. */
export interface Commit {
  keyDirectory: KeyDirectory;
  tree: TreeDirectory;
  root: string;
  next: Map<string, ManifestEntry>;
  /** Facts extracted in this run (the rest are read from the pack). */
  fresh: Map<string, EncodedFacts>;
  /** Hashes whose pack records are damaged: appended again, the later record counts. */
  damaged: Set<string>;
  /** Build a new base from what this run extracted, whatever is on disk (--rebuild). */
  rebuild: boolean;
  maxDeltaFiles?: number;
  notice: (message: string) => void;
}

/**
 * Writes the pack, the table and the manifest, holding the lock. The base is
 * the one on disk now (another run may have written one since this run
 * started), else a sibling tree's. Returns the files whose facts turned out
 * to be missing instead, when some are (nothing is written then).
 */
export function commit(c: Commit): Written | { missing: string[] } {
  c.keyDirectory.ensure();
  c.tree.ensure();
  const files = sortedByPath(c.next);
  const pack = new PackReader(c.keyDirectory.packPath);
  let base: { table: TableFile; entries: ReadonlyMap<string, ManifestEntry>; from?: Sibling } | null = null;
  try {
    const damagedPack = packDamage(pack);
    if (damagedPack) c.notice(`cache: the facts pack ${pack.path} ${damagedPack}; what it lost is extracted again`);
    base = c.rebuild ? null : ownBase(c.tree, c.root);
    let shared: ReturnType<typeof bestSiblingBase> = null;
    if (!base && !c.rebuild) shared = bestSiblingBase(siblingsOf(c.keyDirectory, c.tree), files);
    if (shared) base = { table: shared.table, entries: shared.sibling.manifest.files, from: shared.sibling };

    let held = 0;
    let kept = 0;
    for (const [file, entry] of files) {
      const inBase = base?.entries.get(file);
      entry.inBase = entry.hash !== null && inBase?.inBase === true && inBase.hash === entry.hash;
      if (entry.hash && !entry.inBase) held++;
      if (entry.inBase) kept++;
    }
    const deltaFiles = held + (base ? base.table.header.fileCount - kept : 0);
    const maxDeltaFiles = c.maxDeltaFiles ?? Math.max(DELTA_MIN_FILES, DELTA_MAX_SHARE * files.size);
    const asDelta = base !== null && deltaFiles <= maxDeltaFiles;

    const needed = new Set<string>();
    for (const entry of files.values()) if (entry.hash && (!asDelta || !entry.inBase) && !c.fresh.has(entry.hash)) needed.add(entry.hash);
    const read = pack.read(needed);
    reportDamagedRecords(read.damaged, c.keyDirectory, c.notice);
    for (const hash of read.damaged) c.damaged.add(hash);
    const missing = [...files].filter(([, entry]) => entry.hash && needed.has(entry.hash) && !read.facts.has(entry.hash)).map(([file]) => file);
    if (missing.length) return { missing };
    const facts = new Map([...c.fresh, ...read.facts]);

    writePack(c, pack, files, asDelta, damagedPack !== null);
    const written: Written = asDelta
      ? { manifest: writeDelta(c.tree, c.root, base!, files, facts), wrote: 'delta' }
      : { manifest: writeBase(c.tree, c.root, files, facts), wrote: 'base' };
    if (asDelta && base!.from) written.adoptedBaseFrom = base!.from.manifest.root;
    // Written last: a manifest only ever names tables and pack records that are already in place.
    writeManifest(c.tree.manifestPath, written.manifest);
    return written;
  } finally {
    pack.close();
    base?.table.close();
  }
}

/**
 * Appends the facts this run extracted that the pack lacks; rewrites the pack
 * instead when it is damaged, on --rebuild, or when a new base leaves it
 * mostly facts no tree uses.
 */
function writePack(c: Commit, pack: PackReader, files: ReadonlyMap<string, ManifestEntry>, asDelta: boolean, damaged: boolean): void {
  const added = new Map<string, EncodedFacts>();
  for (const hash of c.fresh.keys()) if (c.rebuild || !pack.has(hash) || c.damaged.has(hash)) added.set(hash, c.fresh.get(hash)!);
  if (damaged || c.rebuild) {
    rewritePack(pack, () => true, added);
    return;
  }
  if (!asDelta && pack.records.size > 0) {
    const used = usedHashes(c.keyDirectory, c.tree, files);
    let garbage = 0;
    for (const hash of pack.records.keys()) if (!used.has(hash)) garbage++;
    if (garbage > PACK_GARBAGE_LIMIT * pack.records.size) {
      rewritePack(pack, (hash) => used.has(hash), added);
      return;
    }
  }
  appendToPack(pack, added);
}

/** The content hashes some tree of the key still has: this one as it is about to be, and the others as their manifests say. */
function usedHashes(keyDirectory: KeyDirectory, own: TreeDirectory, files: ReadonlyMap<string, ManifestEntry>): Set<string> {
  const used = new Set<string>();
  for (const entry of files.values()) if (entry.hash) used.add(entry.hash);
  for (const sibling of siblingsOf(keyDirectory, own)) for (const hash of hashesOf(sibling.manifest)) used.add(hash);
  return used;
}

/** Why the pack cannot be trusted as a whole (not a pack, trailing bytes after the last whole record), or null. */
function packDamage(pack: PackReader): string | null {
  if (pack.unusable) return `is ${pack.unusable}`;
  if (pack.size > pack.end) return `has ${pack.size - pack.end} unreadable bytes after byte ${pack.end} (truncated or damaged)`;
  return null;
}

export function reportDamagedRecords(damaged: readonly string[], keyDirectory: KeyDirectory, notice: (message: string) => void): void {
  if (damaged.length === 0) return;
  notice(`cache: ${damaged.length} damaged record(s) in the facts pack ${keyDirectory.packPath} (checksum or content); those files are extracted again`);
}

/** Turns a failed file operation while writing the cache (no space, read-only, permissions) into a one-line CacheError. */
export function guardWrites<T>(keyDirectory: KeyDirectory, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || error instanceof CacheError) throw error;
    const file = (error as NodeJS.ErrnoException).path;
    throw new CacheError(`cache ${keyDirectory.path}: cannot update ${file ?? 'the index'}: ${describeError(error)}`);
  }
}


/** The base table on disk and the entries of the manifest on disk, when the table is whole and the one the manifest names. */
function ownBase(tree: TreeDirectory, root: string): { table: TableFile; entries: ReadonlyMap<string, ManifestEntry> } | null {
  const current = readManifest(tree.manifestPath).manifest;
  if (!current || current.root !== root) return null;
  try {
    const table = TableFile.open(tree.tablePath);
    if (table.header.tableId === current.baseTableId && !table.header.base) return { table, entries: current.files };
    table.close();
  } catch {
    // missing or damaged: said so when the run started; a new base is built
  }
  return null;
}


/**
 * The files that are not in the base as they are now go into a new delta; the
 * base stays (a sibling's base is first put in place as this tree's).
 */
function writeDelta(
  tree: TreeDirectory,
  root: string,
  base: { table: TableFile; from?: Sibling },
  files: Map<string, ManifestEntry>,
  facts: ReadonlyMap<string, EncodedFacts>,
): Manifest {
  if (base.from) adoptTable(base.from.directory.tablePath, tree.tablePath);
  const inDelta = [...files].filter(([, entry]) => entry.hash && !entry.inBase);
  const replaced = base.table.files().filter((p) => !files.get(p)?.inBase);
  const tableId = newTableId();
  const baseTableId = base.table.header.tableId;
  writeTableFile(tree.deltaPath, inDelta.map(([p, e]) => [p, facts.get(e.hash!)!] as const), tableId, { tableId: baseTableId, replaced });
  return { root, tableId, baseTableId, files };
}

/** A new base table of every indexed file, and no delta. */
function writeBase(tree: TreeDirectory, root: string, files: Map<string, ManifestEntry>, facts: ReadonlyMap<string, EncodedFacts>): Manifest {
  const indexed: [string, EncodedFacts][] = [];
  for (const [file, entry] of files) {
    entry.inBase = entry.hash !== null;
    if (entry.hash) indexed.push([file, facts.get(entry.hash)!]);
  }
  const tableId = newTableId();
  writeTableFile(tree.tablePath, indexed, tableId);
  fs.rmSync(tree.deltaPath, { force: true });
  return { root, tableId, baseTableId: tableId, files };
}

function sortedByPath(entries: ReadonlyMap<string, ManifestEntry>): Map<string, ManifestEntry> {
  return new Map([...entries].sort(([a], [b]) => compareBytewise(a, b)));
}
