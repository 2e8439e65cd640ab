// Builds, or brings up to date, the type index of a kernel tree.
//
// Every run lists the tree and stats each file. A file whose size and mtime
// match the manifest is not read at all. A file whose stat changed is read
// and hashed, and parsed again only if no file with that content was parsed
// before, in this tree or another one of the same cache key (the facts pack
// is keyed by content). A tree indexed for the first time takes the entries of
// files that are hard links of files another tree indexed without reading
// them, and lays its table over that tree's base table when they share most
// files. When what the table would hold changed, the files that differ from
// the base table go into a delta table; once the delta grows past
// DELTA_MAX_SHARE of the tree, the base is rebuilt (10 s for 6.1, against
// 1 s for a delta). A cold run parses every file on worker threads.
//
// Reading and parsing take no lock; writing (the pack, the tables, the
// manifest) happens under the cache key's lock, against what is on disk then,
// so that concurrent runs on one cache leave it whole.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { InputProblem } from '../model';
import { compareBytewise } from '../input/walk';
import { decodeSourceBytes, readSourceBytes } from '../input/read';
import { loadHints } from '../frontend/hints';
import { workerScript } from '../workers/pool';
import { runPerFile } from '../workers/work-items';
import { advanceBy, createProgress } from '../workers/progress';
import type { ExtractedFile, FactsTask } from './facts-worker';
import { DEFAULT_MAX_FILE_SIZE } from '../commands/common';
import { CacheError, prepareCacheDir } from './cache-dir';
import { withCacheLock } from './cache-lock';
import { pruneCache, PruneLimits } from './cache-prune';
import { cacheKey, KeyDirectory, sha1 } from './facts-cache';
import { PackReader } from './facts-pack';
import { commit, Commit, guardWrites, reportDamagedRecords, rewriteManifest } from './index-write';
import type { Manifest, ManifestEntry } from './manifest';
import { linkedEntry, Sibling, siblingsOf } from './sibling-trees';
import type { DeclCounts, EncodedFacts } from './table-file';
import { Candidate, compareTreeWithIndex, ownManifest, sourceFile } from './index-freshness';
import { statFingerprintHolds } from './stat-fingerprint';
import { recordStatFingerprint } from './stat-fingerprint-record';
import { tableIdOf } from './name-table';

/**
 * Files over this size get their types and functions indexed but not their
 * constant macros: in 6.1, the 83 generated register headers over 1 MiB hold
 * 2.9 M of the tree's 4.6 M constant macros, names nobody types an expression with.
 */
export const MACRO_MAX_BYTES = 1024 * 1024;

/** Writes that found facts missing from the pack (damaged, or pruned by another run) re-extract them and try again, this often. */
const COMMIT_ATTEMPTS = 3;

export interface IndexBuildOptions {
  /** Made if missing; a CacheError when it cannot be used. */
  cacheDir: string;
  /** User macro hints files, on top of the built-in ones. */
  hintFiles: string[];
  jobs: number;
  progress: boolean;
  /** Ignore the cache and parse every file again. */
  rebuild?: boolean;
  /** Most files the delta table may hold or hide before the base is rebuilt (default: 2% of the tree, at least 256). */
  maxDeltaFiles?: number;
  /** Where one-line notices go (a damaged cache rebuilt, waiting for another run's lock); default: stderr. */
  notice?: (message: string) => void;
  /** What the cache is pruned to after a run that wrote to it (default: cache-prune.ts's defaults). */
  limits?: PruneLimits;
}

export interface IndexStats {
  /** Files in the index. */
  files: number;
  /** Files read and parsed in this run. */
  extracted: number;
  /** Files in the index whose facts came from the cache. */
  reused: number;
  /** Files taken as they are from another tree's index: the same files, hard-linked. */
  linked: number;
  /** Files indexed before that are gone. */
  removed: number;
  /** Files read to compare their content because their size or mtime changed (or the tree is new to the cache). */
  rehashed: number;
  /** Source bytes read in this run. */
  bytesRead: number;
  /** Files that are not in the index, and why (unreadable, binary, too large, the extractor failed). */
  skipped: InputProblem[];
  /** Files indexed despite a problem, e.g. not UTF-8 and decoded as Latin-1. */
  warnings: InputProblem[];
  /** Indexed files over MACRO_MAX_BYTES, whose constant macros are left out. */
  macroSkipped: number;
  decls: DeclCounts;
  /** What was written: nothing, the manifest only, a delta table, or a new base table. */
  wrote: 'nothing' | 'manifest' | 'delta' | 'base';
  /** The tree's table was laid over another tree's base table (hard-linked or copied). */
  adoptedBaseFrom?: string;
  /** What was found damaged in the cache, and rebuilt. */
  notices: string[];
  seconds: number;
  /** Size of this tree's cache on disk, with the facts pack it shares. */
  cacheBytes: number;
}

export interface IndexBuild {
  /** The tree, canonical. */
  root: string;
  tablePath: string;
  stats: IndexStats;
}

interface Run {
  extracted: number;
  linked: number;
  rehashed: number;
  bytesRead: number;
  removed: number;
  /** Problems of this run that the manifest does not keep (unlisted directories, files gone since listed). */
  transient: InputProblem[];
  wrote: IndexStats['wrote'];
  adoptedBaseFrom?: string;
  notices: string[];
}

export async function buildIndex(root: string, options: IndexBuildOptions): Promise<IndexBuild> {
  const started = process.hrtime.bigint();
  const treeRoot = fs.realpathSync(path.resolve(root));
  loadHints(options.hintFiles); // a bad hints file fails here, with its own message
  const cacheDir = prepareCacheDir(options.cacheDir);
  const keyDirectory = new KeyDirectory(cacheDir, cacheKey(options.hintFiles));
  const tree = keyDirectory.tree(treeRoot);
  const run: Run = { extracted: 0, linked: 0, rehashed: 0, bytesRead: 0, removed: 0, transient: [], wrote: 'nothing', notices: [] };
  const notice = (message: string) => {
    run.notices.push(message);
    (options.notice ?? toStderr)(message);
  };
  const finish = (manifest: Manifest): IndexBuild => ({
    root: treeRoot,
    tablePath: tree.tablePath,
    stats: statsOf(manifest, run, started, bytesOnDisk([tree.manifestPath, tree.tablePath, tree.deltaPath, tree.fingerprintPath, keyDirectory.packPath])),
  });

  const previous = options.rebuild ? null : ownManifest(tree, treeRoot, notice);
  if (previous && statFingerprintHolds(treeRoot, tree, previous.tableId) && tableIdOf(tree.tablePath, () => {}) === previous.tableId) {
    tree.touch();
    return finish(previous);
  }
  const { listing, next, changed, removed, tableId, current } = compareTreeWithIndex(treeRoot, tree, previous, { notice });
  run.transient = listing.problems;
  run.removed = removed;
  if (current) {
    tree.touch();
    recordStatFingerprint(tree, listing, previous!, run.transient);
    return finish(previous!);
  }

  const fresh = new Map<string, EncodedFacts>();
  /** Hashes whose pack records failed their checks: written again once extracted. */
  const damaged = new Set<string>();
  const toExtract: Candidate[] = [];
  const pack = new PackReader(keyDirectory.packPath);
  try {
    let candidates = changed;
    const siblings = previous || options.rebuild ? [] : siblingsOf(keyDirectory, tree);
    if (!previous && !options.rebuild) candidates = takeLinkedFiles(siblings, changed, next, run);
    // Content is compared with what the cache knows, when it knows anything: read and hash here.
    const pending: Candidate[] = [];
    if (options.rebuild || (!previous && pack.records.size === 0)) toExtract.push(...candidates);
    else pending.push(...readAndHash(candidates, previous, next, run));
    for (const [file, entry] of next) {
      if (entry.hash && !pack.has(entry.hash)) {
        next.delete(file); // the manifest promised facts the pack does not have: parse again
        toExtract.push(candidateOf(treeRoot, file, entry));
      }
    }
    // Content the pack has: its declaration counts from a manifest that has the same content, else from the record.
    const counts = countsByHash(pending.length ? [previous, ...siblings.map((s) => s.manifest)] : []);
    const unknown = pending.filter((c) => !(pack.has(c.hash!) && counts.has(c.hash!))).map((c) => c.hash!);
    const read = pack.read(unknown);
    reportDamagedRecords(read.damaged, keyDirectory, notice);
    for (const hash of read.damaged) damaged.add(hash);
    for (const [hash, facts] of read.facts) counts.set(hash, facts.counts);
    for (const candidate of pending) {
      const decls = pack.has(candidate.hash!) ? counts.get(candidate.hash!) : undefined;
      if (decls) next.set(candidate.path, entryOf(candidate, decls));
      else toExtract.push(candidate);
    }
  } finally {
    pack.close();
  }

  // Only stats changed (a touch, a checkout that restored the same content): the table stands.
  const sameContent = previous !== null && toExtract.length === 0 && tableId === previous.tableId && sameIndexedContent(previous.files, next);

  const extractInto = async (candidates: readonly Candidate[]) => {
    const byPath = new Map(candidates.map((c) => [c.file.displayPath, c]));
    for (const result of await extract(candidates, options)) {
      const candidate = byPath.get(result.path)!;
      run.bytesRead += result.bytes;
      const facts = result.hash ? result.facts : undefined;
      if (facts) {
        run.extracted++;
        fresh.set(result.hash!, facts);
      }
      record(next, run, candidate, entryOf({ ...candidate, hash: facts ? result.hash : undefined, problem: result.problem }, facts?.counts ?? {}));
    }
  };
  await extractInto(toExtract);

  for (let attempt = 1; ; attempt++) {
    const write: Commit = { keyDirectory, tree, root: treeRoot, next, fresh, damaged, rebuild: options.rebuild ?? false, maxDeltaFiles: options.maxDeltaFiles, notice };
    const outcome = await withCacheLock(keyDirectory.lockPath, notice, () =>
      guardWrites(keyDirectory, () => (sameContent && rewriteManifest(tree, previous!, next)) || commit(write)),
    );
    if ('manifest' in outcome) {
      run.wrote = outcome.wrote;
      run.adoptedBaseFrom = outcome.adoptedBaseFrom;
      recordStatFingerprint(tree, listing, outcome.manifest, run.transient);
      pruneCache(cacheDir, options.limits, { keep: tree.path, notice });
      return finish(outcome.manifest);
    }
    if (attempt === COMMIT_ATTEMPTS) throw new CacheError(`cache ${keyDirectory.path}: the facts pack keeps losing records; delete the directory`);
    await extractInto(outcome.missing.map((file) => candidateOf(treeRoot, file, next.get(file)!)));
  }
}

/**
 * Reads and hashes the candidates; those whose content is what the manifest
 * had go back into `next`; returns the rest, whose content is new to this tree.
 */
function readAndHash(candidates: readonly Candidate[], previous: Manifest | null, next: Map<string, ManifestEntry>, run: Run): Candidate[] {
  const pending: Candidate[] = [];
  for (const candidate of candidates) {
    const read = readSourceBytes(candidate.file, { maxBytes: DEFAULT_MAX_FILE_SIZE });
    run.rehashed++;
    if (!read.ok) {
      record(next, run, candidate, { ...entryOf(candidate, {}), problem: read.problem });
      continue;
    }
    run.bytesRead += read.bytes.length;
    candidate.hash = sha1(read.bytes);
    if (!isUtf8(read.bytes)) candidate.problem = decodeSourceBytes(candidate.file, read.bytes).problem;
    const old = previous?.files.get(candidate.path);
    if (old?.hash === candidate.hash) next.set(candidate.path, { ...entryOf(candidate, old.decls), inBase: old.inBase });
    else pending.push(candidate);
  }
  return pending;
}

/** The declaration counts of each content hash the manifests have. */
function countsByHash(manifests: readonly (Manifest | null)[]): Map<string, DeclCounts> {
  const counts = new Map<string, DeclCounts>();
  for (const manifest of manifests) for (const entry of manifest?.files.values() ?? []) if (entry.hash) counts.set(entry.hash, entry.decls);
  return counts;
}

/** Takes the entries of hard-linked copies of files a sibling tree indexed; returns the candidates left to look at. */
function takeLinkedFiles(siblings: readonly Sibling[], candidates: Candidate[], next: Map<string, ManifestEntry>, run: Run): Candidate[] {
  if (siblings.length === 0) return candidates;
  const rest: Candidate[] = [];
  for (const candidate of candidates) {
    const theirs = linkedEntry(siblings, candidate);
    if (theirs && theirs.problem?.kind !== 'unreadable') {
      next.set(candidate.path, { ...theirs, inBase: false });
      run.linked++;
    } else rest.push(candidate);
  }
  return rest;
}

const FACTS_WORKER = workerScript<FactsTask, ExtractedFile[]>(path.join(__dirname, 'facts-worker.js'));

/** Parses files on worker threads. */
async function extract(candidates: readonly Candidate[], options: IndexBuildOptions): Promise<ExtractedFile[]> {
  if (candidates.length === 0) return [];
  const progress = createProgress('index', candidates.length, options.progress);
  const { results } = await runPerFile(
    FACTS_WORKER,
    candidates.map((c) => c.file),
    (files): FactsTask => ({ files, hintFiles: options.hintFiles, maxBytes: DEFAULT_MAX_FILE_SIZE, macroMaxBytes: MACRO_MAX_BYTES }),
    { jobs: options.jobs, onItemDone: (files) => advanceBy(progress, files) },
  );
  progress.stop();
  return results;
}

/** Whether the table would hold the same files with the same content. */
function sameIndexedContent(before: ReadonlyMap<string, ManifestEntry>, after: ReadonlyMap<string, ManifestEntry>): boolean {
  let indexed = 0;
  for (const [file, entry] of after) {
    if (!entry.hash) continue;
    indexed++;
    if (before.get(file)?.hash !== entry.hash) return false;
  }
  for (const entry of before.values()) if (entry.hash) indexed--;
  return indexed === 0;
}

/** Records a file's entry; a file that vanished since it was listed is only reported, never remembered. */
function record(next: Map<string, ManifestEntry>, run: Run, candidate: Candidate, entry: ManifestEntry): void {
  if (entry.problem?.kind === 'missing') {
    next.delete(candidate.path);
    run.transient.push(entry.problem);
  } else {
    next.set(candidate.path, entry);
  }
}

function statsOf(manifest: Manifest, run: Run, started: bigint, cacheBytes: number): IndexStats {
  let files = 0;
  let macroSkipped = 0;
  const decls: DeclCounts = {};
  const skipped = [...run.transient];
  const warnings: InputProblem[] = [];
  for (const entry of manifest.files.values()) {
    if (entry.hash) {
      files++;
      if (entry.size > MACRO_MAX_BYTES) macroSkipped++;
      for (const [kind, count] of Object.entries(entry.decls) as [keyof DeclCounts, number][]) decls[kind] = (decls[kind] ?? 0) + count;
    }
    if (entry.problem) (entry.problem.analysed ? warnings : skipped).push(entry.problem);
  }
  const byPathThenKind = (a: InputProblem, b: InputProblem) => compareBytewise(a.path, b.path) || compareBytewise(a.kind, b.kind);
  return {
    files,
    extracted: run.extracted,
    reused: files - run.extracted,
    linked: run.linked,
    removed: run.removed,
    rehashed: run.rehashed,
    bytesRead: run.bytesRead,
    skipped: skipped.sort(byPathThenKind),
    warnings: warnings.sort(byPathThenKind),
    macroSkipped,
    decls,
    wrote: run.wrote,
    ...(run.adoptedBaseFrom ? { adoptedBaseFrom: run.adoptedBaseFrom } : {}),
    notices: run.notices,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cacheBytes,
  };
}

function entryOf(candidate: Candidate, decls: DeclCounts): ManifestEntry {
  const entry: ManifestEntry = {
    size: candidate.size,
    mtimeMs: candidate.mtimeMs,
    dev: candidate.dev,
    ino: candidate.ino,
    hash: candidate.hash ?? null,
    decls,
    inBase: false,
  };
  if (candidate.problem) entry.problem = candidate.problem;
  return entry;
}

/** A file known from an entry, to be extracted again. */
function candidateOf(root: string, file: string, entry: ManifestEntry): Candidate {
  return { file: sourceFile(path.join(root, file), file, entry.size), path: file, size: entry.size, mtimeMs: entry.mtimeMs, dev: entry.dev, ino: entry.ino };
}

function bytesOnDisk(files: readonly string[]): number {
  let total = 0;
  for (const file of files) total += fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  return total;
}

function toStderr(message: string): void {
  process.stderr.write(`patch-audit: ${message}\n`);
}
