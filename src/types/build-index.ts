// Builds, or brings up to date, the type index of a kernel tree.
//
// Every run lists the tree and stats each file. A file whose size and mtime
// match the manifest is not read at all. A file whose stat changed is read
// and hashed, and parsed again only if no file with that content was parsed
// before (the facts pack is keyed by content). When what the table would hold
// changed, the files that differ from the base table go into a delta table;
// once the delta grows past DELTA_MAX_SHARE of the tree, the base is rebuilt
// (10 s for 6.1, against 1 s for a delta). A cold run parses every file on
// worker threads.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { InputProblem } from '../model';
import { compareBytewise, SourceFile } from '../input/walk';
import { decodeSourceBytes, readSourceBytes } from '../input/read';
import { loadHints } from '../frontend/hints';
import { workerScript } from '../workers/pool';
import { runPerFile } from '../workers/work-items';
import { advanceBy, createProgress } from '../workers/progress';
import type { ExtractedFile, FactsTask } from './facts-worker';
import { DEFAULT_MAX_FILE_SIZE, SOURCE_EXTENSIONS } from '../commands/common';
import { cacheKey, EMPTY_PACK_INDEX, FactsCache, Manifest, ManifestEntry, PackIndex, sha1 } from './facts-cache';
import { NameTable } from './name-table';
import { DeclCounts, EncodedFacts, newTableId, TableFile } from './table-file';
import { writeTableFile } from './table-writer';
import { listTreeFiles, TreeFile } from './tree-files';

/**
 * Files over this size get their types and functions indexed but not their
 * constant macros: in 6.1, the 83 generated register headers over 1 MiB hold
 * 2.9 M of the tree's 4.6 M constant macros, names nobody types an expression with.
 */
export const MACRO_MAX_BYTES = 1024 * 1024;

/** The delta holds or hides at most this share of the indexed files (or DELTA_MIN_FILES); past it the base is rebuilt. */
const DELTA_MAX_SHARE = 0.02;
const DELTA_MIN_FILES = 256;
/** When this share of the pack is facts no file has any more, a base rebuild rewrites the pack without them. */
const PACK_GARBAGE_LIMIT = 0.25;

export interface IndexBuildOptions {
  cacheDir: string;
  /** User macro hints files, on top of the built-in ones. */
  hintFiles: string[];
  jobs: number;
  progress: boolean;
  /** Ignore the cache and parse every file again. */
  rebuild?: boolean;
  /** Most files the delta table may hold or hide before the base is rebuilt (default: 2% of the tree, at least 256). */
  maxDeltaFiles?: number;
}

export interface IndexStats {
  /** Files in the index. */
  files: number;
  /** Files read and parsed in this run. */
  extracted: number;
  /** Files in the index whose facts came from the cache. */
  reused: number;
  /** Files indexed before that are gone. */
  removed: number;
  /** Files read to compare their content because their size or mtime changed. */
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
  seconds: number;
  /** Size of this tree's cache on disk. */
  cacheBytes: number;
}

export interface IndexBuild {
  /** The tree, canonical. */
  root: string;
  tablePath: string;
  stats: IndexStats;
}

/** A file whose stat changed (or that is new, or lost its facts): its content has to be looked at. */
interface Candidate {
  file: SourceFile;
  path: string;
  size: number;
  mtimeMs: number;
  /** Set once the main thread has read it. */
  hash?: string;
  problem?: InputProblem;
}

interface Run {
  extracted: number;
  rehashed: number;
  bytesRead: number;
  removed: number;
  /** Problems of this run that the manifest does not keep (unlisted directories, files gone since listed). */
  transient: InputProblem[];
  wrote: IndexStats['wrote'];
}

export async function buildIndex(root: string, options: IndexBuildOptions): Promise<IndexBuild> {
  const started = process.hrtime.bigint();
  const treeRoot = fs.realpathSync(path.resolve(root));
  loadHints(options.hintFiles); // a bad hints file fails here, with its own message
  const cache = new FactsCache(options.cacheDir, cacheKey(options.hintFiles), treeRoot);
  const previous = options.rebuild ? null : cache.readManifest();
  const listing = listTreeFiles(treeRoot, SOURCE_EXTENSIONS);
  const { next, changed, removed } = compareWithManifest(listing.files, previous);
  const run: Run = { extracted: 0, rehashed: 0, bytesRead: 0, removed, transient: listing.problems, wrote: 'nothing' };
  const finish = (manifest: Manifest): IndexBuild => ({
    root: treeRoot,
    tablePath: cache.tablePath,
    stats: statsOf(manifest, run, started, cache.bytesOnDisk()),
  });

  if (previous && changed.length === 0 && removed === 0 && tableIdOf(cache.tablePath) === previous.tableId) return finish(previous);

  // Warm: read what changed, in this thread, to learn whether its content did.
  const pending: Candidate[] = [];
  for (const candidate of previous ? changed : []) {
    const read = readSourceBytes(candidate.file, { maxBytes: DEFAULT_MAX_FILE_SIZE });
    run.rehashed++;
    if (!read.ok) {
      record(next, run, candidate, { ...entryOf(candidate, {}), problem: read.problem });
      continue;
    }
    run.bytesRead += read.bytes.length;
    candidate.hash = sha1(read.bytes);
    if (!isUtf8(read.bytes)) candidate.problem = decodeSourceBytes(candidate.file, read.bytes).problem;
    const old = previous!.files.get(candidate.path);
    if (old?.hash === candidate.hash) next.set(candidate.path, { ...entryOf(candidate, old.decls), inBase: old.inBase });
    else pending.push(candidate);
  }

  if (previous && pending.length === 0 && sameIndexedContent(previous.files, next) && tableIdOf(cache.tablePath) === previous.tableId) {
    // Only stats changed (a touch, a checkout that restored the same content): the table stands.
    const manifest: Manifest = { ...previous, files: sortedByPath(next) };
    cache.writeManifest(manifest);
    run.wrote = 'manifest';
    return finish(manifest);
  }

  // Facts come from the pack when the content was seen before, else from the extractor.
  const index = previous ? cache.packIndex() : EMPTY_PACK_INDEX;
  const toExtract: Candidate[] = previous ? [] : changed;
  for (const [file, entry] of next) {
    if (entry.hash && !index.records.has(entry.hash)) {
      next.delete(file); // the manifest promised facts the pack does not have: parse again
      const source = sourceFile(path.join(treeRoot, file), file, entry.size);
      toExtract.push({ file: source, path: file, size: entry.size, mtimeMs: entry.mtimeMs });
    }
  }
  const fresh = cache.readPackRecords(index, pending.map((c) => c.hash!));
  for (const candidate of pending) {
    const known = fresh.get(candidate.hash!);
    if (known) next.set(candidate.path, entryOf(candidate, known.counts));
    else toExtract.push(candidate);
  }
  const added = new Map<string, EncodedFacts>();
  const byPath = new Map(toExtract.map((c) => [c.file.displayPath, c]));
  for (const extracted of await extract(toExtract, options)) {
    const candidate = byPath.get(extracted.path)!;
    run.bytesRead += extracted.bytes;
    const facts = extracted.hash ? extracted.facts : undefined;
    if (facts) {
      run.extracted++;
      fresh.set(extracted.hash!, facts);
      if (!index.records.has(extracted.hash!)) added.set(extracted.hash!, facts);
    }
    const outcome = { ...candidate, hash: facts ? extracted.hash : undefined, problem: extracted.problem };
    record(next, run, candidate, entryOf(outcome, facts?.counts ?? {}));
  }

  const files = sortedByPath(next);
  const base = previous ? openBase(cache.tablePath, previous.baseTableId) : null;
  // What a delta would hold (files whose facts are not the base's) and hide (base files changed or gone).
  let held = 0;
  let kept = 0;
  for (const entry of files.values()) {
    if (entry.hash && !entry.inBase) held++;
    if (entry.inBase) kept++;
  }
  const deltaFiles = held + (base ? base.header.fileCount - kept : 0);
  const maxDeltaFiles = options.maxDeltaFiles ?? Math.max(DELTA_MIN_FILES, DELTA_MAX_SHARE * files.size);
  let manifest: Manifest;
  try {
    manifest =
      base && deltaFiles <= maxDeltaFiles
        ? writeDelta(cache, base, files, fresh, index, added)
        : writeBase(cache, files, fresh, previous ? index : null, added);
  } finally {
    base?.close();
  }
  run.wrote = manifest.tableId === manifest.baseTableId ? 'base' : 'delta';
  // Written last: a manifest only ever names tables and pack records that are already in place.
  cache.writeManifest(manifest);
  return finish(manifest);
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
      next.set(file.path, old);
    } else {
      changed.push({ file: sourceFile(file.absolutePath, file.path, file.size), path: file.path, size: file.size, mtimeMs: file.mtimeMs });
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

/** The files that are not in the base as they are now go into a new delta; the base stays. */
function writeDelta(
  cache: FactsCache,
  base: TableFile,
  files: Map<string, ManifestEntry>,
  fresh: Map<string, EncodedFacts>,
  index: PackIndex,
  added: ReadonlyMap<string, EncodedFacts>,
): Manifest {
  const inDelta = [...files].filter(([, entry]) => entry.hash && !entry.inBase);
  const facts = new Map([...fresh, ...cache.readPackRecords(index, inDelta.map(([, e]) => e.hash!).filter((h) => !fresh.has(h)))]);
  const replaced = base.files().filter((p) => !files.get(p)?.inBase);
  cache.appendToPack(index, added);
  const tableId = newTableId();
  const baseTableId = base.header.tableId;
  writeTableFile(cache.deltaPath, inDelta.map(([p, e]) => [p, facts.get(e.hash!)!] as const), tableId, { tableId: baseTableId, replaced });
  return { tableId, baseTableId, files };
}

/** A new base table of every indexed file, and no delta. */
function writeBase(
  cache: FactsCache,
  files: Map<string, ManifestEntry>,
  fresh: Map<string, EncodedFacts>,
  index: PackIndex | null,
  added: ReadonlyMap<string, EncodedFacts>,
): Manifest {
  const pack = index ? cache.readPack() : new Map<string, EncodedFacts>();
  for (const [hash, facts] of fresh) pack.set(hash, facts);
  const used = new Set<string>();
  for (const entry of files.values()) if (entry.hash) used.add(entry.hash);
  const garbage = [...pack.keys()].filter((hash) => !used.has(hash));
  if (!index || index.end === 0 || garbage.length > PACK_GARBAGE_LIMIT * pack.size) {
    for (const hash of garbage) pack.delete(hash);
    cache.rewritePack(pack);
  } else {
    cache.appendToPack(index, added);
  }
  const indexed: [string, EncodedFacts][] = [];
  for (const [file, entry] of files) {
    entry.inBase = entry.hash !== null;
    if (entry.hash) indexed.push([file, pack.get(entry.hash)!]);
  }
  const tableId = newTableId();
  writeTableFile(cache.tablePath, indexed, tableId);
  fs.rmSync(cache.deltaPath, { force: true });
  return { tableId, baseTableId: tableId, files };
}

/** The base table file if it is whole and the one the manifest's entries refer to. */
function openBase(tablePath: string, baseTableId: string): TableFile | null {
  try {
    const base = TableFile.open(tablePath);
    if (base.header.tableId === baseTableId && !base.header.base) return base;
    base.close();
  } catch {
    // missing or damaged: a new base is built
  }
  return null;
}

/** The id of the table (with its delta) if it opens, else null. */
function tableIdOf(tablePath: string): string | null {
  try {
    const table = NameTable.open(tablePath);
    const id = table.tableId;
    table.close();
    return id;
  } catch {
    return null;
  }
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
    removed: run.removed,
    rehashed: run.rehashed,
    bytesRead: run.bytesRead,
    skipped: skipped.sort(byPathThenKind),
    warnings: warnings.sort(byPathThenKind),
    macroSkipped,
    decls,
    wrote: run.wrote,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    cacheBytes,
  };
}

function entryOf(candidate: Candidate, decls: DeclCounts): ManifestEntry {
  const entry: ManifestEntry = { size: candidate.size, mtimeMs: candidate.mtimeMs, hash: candidate.hash ?? null, decls, inBase: false };
  if (candidate.problem) entry.problem = candidate.problem;
  return entry;
}

function sortedByPath(entries: ReadonlyMap<string, ManifestEntry>): Map<string, ManifestEntry> {
  return new Map([...entries].sort(([a], [b]) => compareBytewise(a, b)));
}

/** Problems name files by displayPath: tree-relative, like everything in the index. */
function sourceFile(absolutePath: string, treePath: string, size: number): SourceFile {
  return { absolutePath, displayPath: treePath, size };
}
