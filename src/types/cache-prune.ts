// Keeps the cache within a size and an age: trees not used for a while are
// removed, then the least recently used ones until the cache fits; a key
// directory with no tree left goes with its facts pack, and a pack left mostly
// holding facts of removed trees is rewritten without them.
//
// Only what patch-audit made is touched: `index-<40 hex>` directories in the
// cache directory, and in them the pack, the lock and `trees/<40 hex>`. A key
// directory of another layout (an older version) is one unit, removed whole.
// Each key directory is pruned holding its lock; one that is busy is left for
// a later run.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CacheLock } from './cache-lock';
import { KEY_DIRECTORY_PATTERN, KeyDirectory } from './facts-cache';
import { TreeDirectory } from './tree-directory';
import { PackReader, rewritePack } from './facts-pack';
import { hashesOf, readManifest } from './manifest';

export interface PruneLimits {
  /** The cache is brought under this many bytes (trees in use by the run that prunes are kept). */
  maxBytes: number;
  /** Trees not used for this long are removed. */
  maxAgeMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Room for a few kernel trees of one version (1.7 GB each for 6.1, less for a hard-linked copy) and an older version. */
export const DEFAULT_PRUNE_LIMITS: PruneLimits = { maxBytes: 10 * 1024 ** 3, maxAgeMs: 30 * DAY_MS };
/** The default limits, with the size given on the command line (--cache-max-size) if any. */
export function cacheLimits(maxBytes?: number): PruneLimits {
  return maxBytes === undefined ? DEFAULT_PRUNE_LIMITS : { ...DEFAULT_PRUNE_LIMITS, maxBytes };
}

/** A pack whose records are more than this share garbage after trees were removed is rewritten. */
const PACK_GARBAGE_LIMIT = 0.25;

/** Something the cache holds that can be removed as one. */
export interface CacheUnit {
  /** The key directory, and the tree's directory in it (none: the whole key directory, of another layout). */
  keyPath: string;
  treePath?: string;
  /** The tree it indexes, when its manifest says. */
  root?: string;
  files?: number;
  lastUsedMs: number;
  /** Bytes removing it frees (a table hard-linked by another tree frees nothing). */
  bytes: number;
}

export interface CacheSurvey {
  units: CacheUnit[];
  /** Facts packs by key directory. */
  packs: Map<string, number>;
  totalBytes: number;
}

export interface PruneReport {
  removed: CacheUnit[];
  bytesBefore: number;
  bytesAfter: number;
  /** Key directories that were busy (another run held their lock) and were left alone. */
  busy: string[];
}

/** What the cache holds, from stats alone; `withRoots` also reads each manifest for its tree's root and file count. */
export function surveyCache(cacheDir: string, options: { withRoots?: boolean } = {}): CacheSurvey {
  const units: CacheUnit[] = [];
  const packs = new Map<string, number>();
  const seen = new Set<string>();
  let totalBytes = 0;
  const sizeOnce = (file: string): { size: number; links: number; mtimeMs: number } | null => {
    const stats = fs.statSync(file, { throwIfNoEntry: false });
    if (!stats?.isFile()) return null;
    const id = `${stats.dev}:${stats.ino}`;
    if (!seen.has(id)) totalBytes += stats.size;
    seen.add(id);
    return { size: stats.size, links: stats.nlink, mtimeMs: stats.mtimeMs };
  };
  for (const name of listDirectory(cacheDir).filter((n) => KEY_DIRECTORY_PATTERN.test(n))) {
    const keyPath = path.join(cacheDir, name);
    const key = new KeyDirectory(cacheDir, name.slice('index-'.length));
    if (!fs.statSync(key.treesPath, { throwIfNoEntry: false })?.isDirectory()) {
      units.push({ keyPath, ...otherLayout(keyPath, sizeOnce) });
      continue;
    }
    packs.set(keyPath, sizeOnce(key.packPath)?.size ?? 0);
    for (const tree of key.trees()) {
      let bytes = 0;
      for (const file of [tree.manifestPath, tree.tablePath, tree.deltaPath, tree.fingerprintPath]) {
        const stats = sizeOnce(file);
        if (stats && stats.links === 1) bytes += stats.size;
      }
      const unit: CacheUnit = { keyPath, treePath: tree.path, lastUsedMs: tree.lastUsedMs(), bytes };
      if (options.withRoots) {
        const manifest = readManifest(tree.manifestPath).manifest;
        if (manifest) Object.assign(unit, { root: manifest.root, files: manifest.files.size });
      }
      units.push(unit);
    }
  }
  return { units, packs, totalBytes };
}

/** A key directory of another layout: its files two levels deep, and the newest mtime among them. */
function otherLayout(keyPath: string, sizeOnce: (file: string) => { size: number; mtimeMs: number } | null): { bytes: number; lastUsedMs: number } {
  let bytes = 0;
  let lastUsedMs = 0;
  for (const name of listDirectory(keyPath)) {
    const child = path.join(keyPath, name);
    for (const file of [child, ...listDirectory(child).map((n) => path.join(child, n))]) {
      const stats = sizeOnce(file);
      if (!stats) continue;
      bytes += stats.size;
      lastUsedMs = Math.max(lastUsedMs, stats.mtimeMs);
    }
  }
  return { bytes, lastUsedMs };
}

/**
 * Removes trees older than the age limit, then the least recently used ones
 * while the cache is over the size limit. `keep` (a tree directory) is never
 * removed: the tree the current run uses.
 */
export function pruneCache(
  cacheDir: string,
  limits: PruneLimits = DEFAULT_PRUNE_LIMITS,
  options: { keep?: string; notice?: (message: string) => void; now?: number } = {},
): PruneReport {
  const now = options.now ?? Date.now();
  const before = surveyCache(cacheDir);
  const report: PruneReport = { removed: [], bytesBefore: before.totalBytes, bytesAfter: before.totalBytes, busy: [] };
  const removable = (unit: CacheUnit) => (unit.treePath === undefined || unit.treePath !== options.keep) && !report.busy.includes(unit.keyPath);
  const touchedKeys = new Set<string>();
  const remove = (unit: CacheUnit): boolean => {
    const done = removeUnit(unit);
    if (done === 'busy') report.busy.push(unit.keyPath);
    if (done !== 'removed') return false;
    report.removed.push(unit);
    touchedKeys.add(unit.keyPath);
    return true;
  };

  for (const unit of before.units) if (removable(unit) && now - unit.lastUsedMs > limits.maxAgeMs) remove(unit);
  for (let survey = surveyCache(cacheDir); survey.totalBytes > limits.maxBytes; survey = surveyCache(cacheDir)) {
    const oldest = survey.units.filter(removable).sort((a, b) => a.lastUsedMs - b.lastUsedMs)[0];
    if (!oldest || !remove(oldest)) break;
  }
  for (const keyPath of touchedKeys) tidyKey(keyPath, report);
  report.bytesAfter = surveyCache(cacheDir).totalBytes;
  const freed = report.bytesBefore - report.bytesAfter;
  if (report.removed.length && options.notice) {
    options.notice(`cache: pruned ${report.removed.length} unused index(es), ${(freed / 1e6).toFixed(0)} MB, to stay within the cache limits`);
  }
  return report;
}

/** Removes a tree's directory (under its key's lock), or a key directory of another layout. */
function removeUnit(unit: CacheUnit): 'removed' | 'busy' | 'gone' {
  if (!unit.treePath) {
    fs.rmSync(unit.keyPath, { recursive: true, force: true });
    return 'removed';
  }
  const lock = CacheLock.tryAcquire(path.join(unit.keyPath, 'lock'));
  if (!lock) return 'busy';
  try {
    if (!fs.existsSync(unit.treePath)) return 'gone';
    fs.rmSync(unit.treePath, { recursive: true, force: true });
    return 'removed';
  } finally {
    lock.release();
  }
}

/** After trees were removed from a key: the key goes when it has no tree left, else its pack loses what no tree uses, when that is much. */
function tidyKey(keyPath: string, report: PruneReport): void {
  const lock = CacheLock.tryAcquire(path.join(keyPath, 'lock'));
  if (!lock) {
    report.busy.push(keyPath);
    return;
  }
  const key = new KeyDirectory(path.dirname(keyPath), path.basename(keyPath).slice('index-'.length));
  let emptied = false;
  try {
    const trees = key.trees();
    if (trees.length === 0) {
      for (const name of listDirectory(keyPath)) if (name !== 'lock') fs.rmSync(path.join(keyPath, name), { recursive: true, force: true });
      emptied = true;
      return;
    }
    collectPackGarbage(key, trees);
  } finally {
    lock.release();
    if (emptied) {
      try {
        fs.rmdirSync(keyPath);
      } catch {
        // another run has started to use it again
      }
    }
  }
}

function collectPackGarbage(key: KeyDirectory, trees: readonly TreeDirectory[]): void {
  const used = new Set<string>();
  for (const tree of trees) {
    const manifest = readManifest(tree.manifestPath).manifest;
    // A tree whose manifest is unreadable will be indexed again; its facts, if any, are not worth keeping blind.
    if (manifest) for (const hash of hashesOf(manifest)) used.add(hash);
  }
  const pack = new PackReader(key.packPath);
  try {
    let garbage = 0;
    for (const hash of pack.records.keys()) if (!used.has(hash)) garbage++;
    if (garbage > PACK_GARBAGE_LIMIT * pack.records.size) rewritePack(pack, (hash) => used.has(hash), new Map());
  } finally {
    pack.close();
  }
}

function listDirectory(directory: string): string[] {
  try {
    return fs.readdirSync(directory);
  } catch {
    return [];
  }
}
