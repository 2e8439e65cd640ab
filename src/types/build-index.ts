// Builds, or brings up to date, the type index of a kernel tree.
//
// Every run walks the tree and stats each file. A file whose size and mtime
// match the manifest is not read at all. A file whose stat changed is read
// and hashed, and parsed again only if no file with that content was parsed
// before (the facts pack is keyed by content). The name table is rewritten
// only when what it would contain changed. A cold run parses every file on
// worker threads.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { InputProblem } from '../model';
import { collectSourceFiles, compareBytewise, describeFsError, SourceFile } from '../input/walk';
import { decodeSourceBytes, readSourceBytes } from '../input/read';
import { loadHints } from '../frontend/hints';
import { batchFiles, runBatches } from '../engine/pool';
import { createProgress } from '../engine/progress';
import type { ExtractedFile, FactsBatchResult } from '../engine/worker';
import { DEFAULT_MAX_FILE_SIZE, SOURCE_EXTENSIONS } from '../commands/common';
import { cacheKey, FactsCache, Manifest, ManifestEntry, sha1 } from './facts-cache';
import { DeclCounts, EncodedFacts, NameTable, newTableId, writeEncodedNameTable } from './name-table';

/**
 * Files over this size get their types and functions indexed but not their
 * constant macros: in 6.1, the 83 generated register headers over 1 MiB hold
 * 2.9 M of the tree's 4.6 M constant macros, names nobody types an expression with.
 */
export const MACRO_MAX_BYTES = 1024 * 1024;

/** A pack holding this share of facts no file uses any more is compacted when next written. */
const PACK_GARBAGE_LIMIT = 0.1;

export interface IndexBuildOptions {
  cacheDir: string;
  /** User macro hints files, on top of the built-in ones. */
  hintFiles: string[];
  jobs: number;
  progress: boolean;
  /** Ignore the cache and parse every file again. */
  rebuild?: boolean;
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

/** A file whose stat changed (or that is new): its content has to be looked at. */
interface Candidate {
  file: SourceFile;
  path: string;
  size: number;
  mtimeMs: number;
  /** Set once the main thread has read it. */
  hash?: string;
  problem?: InputProblem;
}

export async function buildIndex(root: string, options: IndexBuildOptions): Promise<IndexBuild> {
  const started = process.hrtime.bigint();
  const treeRoot = fs.realpathSync(path.resolve(root));
  loadHints(options.hintFiles); // a bad hints file fails here, with its own message
  const cache = new FactsCache(options.cacheDir, cacheKey(options.hintFiles), treeRoot);
  const previous = options.rebuild ? null : cache.readManifest();
  const counters = { extracted: 0, rehashed: 0, bytesRead: 0 };
  const finish = (manifest: Manifest, decls: DeclCounts, removed: number, transient: InputProblem[]): IndexBuild => ({
    root: treeRoot,
    tablePath: cache.tablePath,
    stats: statsOf(manifest, decls, { ...counters, removed, transient, started, cacheBytes: cache.bytesOnDisk() }),
  });

  const walked = await collectSourceFiles(['.'], { cwd: treeRoot, extensions: SOURCE_EXTENSIONS });
  const { next, changed, removed, problems } = compareWithManifest(walked.files, previous);
  const transient = [...walked.problems, ...problems];

  if (previous && changed.length === 0 && removed === 0) {
    const decls = tableContents(cache.tablePath, previous.tableId);
    if (decls) return finish(previous, decls, removed, transient);
  }

  // Warm: read what changed, in this thread, to learn whether its content did.
  const pending: Candidate[] = [];
  for (const candidate of previous ? changed : []) {
    const read = readSourceBytes(candidate.file, { maxBytes: DEFAULT_MAX_FILE_SIZE });
    counters.rehashed++;
    if (!read.ok) {
      keepOrDrop(next, transient, candidate, { size: candidate.size, mtimeMs: candidate.mtimeMs, hash: null, problem: read.problem });
      continue;
    }
    counters.bytesRead += read.bytes.length;
    candidate.hash = sha1(read.bytes);
    if (!isUtf8(read.bytes)) candidate.problem = decodeSourceBytes(candidate.file, read.bytes).problem;
    if (previous!.files.get(candidate.path)?.hash === candidate.hash) next.set(candidate.path, entryOf(candidate));
    else pending.push(candidate);
  }

  if (previous && pending.length === 0 && sameIndexedContent(previous.files, next)) {
    const decls = tableContents(cache.tablePath, previous.tableId);
    if (decls) {
      // Only stats changed (a touch, a checkout that restored the same content): the table stands.
      const manifest = { tableId: previous.tableId, files: sortedByPath(next) };
      if (changed.length || removed) cache.writeManifest(manifest);
      return finish(manifest, decls, removed, transient);
    }
  }

  const pack = previous ? cache.readPack() : new Map<string, EncodedFacts>();
  const toExtract = previous ? [] : changed;
  for (const [file, entry] of next) {
    if (entry.hash && !pack.has(entry.hash)) {
      next.delete(file); // the manifest promised facts the pack does not have: parse again
      toExtract.push({ file: sourceFile(treeRoot, file, entry.size), path: file, size: entry.size, mtimeMs: entry.mtimeMs });
    }
  }
  for (const candidate of pending) {
    if (pack.has(candidate.hash!)) next.set(candidate.path, entryOf(candidate));
    else toExtract.push(candidate);
  }

  const packSizeBefore = pack.size;
  const extractedBy = new Map(toExtract.map((c) => [c.file.displayPath, c]));
  for (const extracted of await extract(toExtract, options)) {
    const candidate = extractedBy.get(extracted.path)!;
    counters.bytesRead += extracted.bytes;
    if (extracted.facts && extracted.hash) {
      counters.extracted++;
      pack.set(extracted.hash, extracted.facts);
    }
    keepOrDrop(next, transient, candidate, {
      size: candidate.size,
      mtimeMs: candidate.mtimeMs,
      hash: extracted.facts && extracted.hash ? extracted.hash : null,
      ...(extracted.problem ? { problem: extracted.problem } : {}),
    });
  }

  const files = sortedByPath(next);
  const used = new Set<string>();
  for (const entry of files.values()) if (entry.hash) used.add(entry.hash);
  const garbage = [...pack.keys()].filter((hash) => !used.has(hash));
  if (pack.size > packSizeBefore || garbage.length > PACK_GARBAGE_LIMIT * pack.size) {
    for (const hash of garbage) pack.delete(hash);
    cache.writePack(pack);
  }
  const indexed: [string, EncodedFacts][] = [];
  for (const [file, entry] of files) if (entry.hash) indexed.push([file, pack.get(entry.hash)!]);
  const manifest: Manifest = { tableId: newTableId(), files };
  const summary = writeEncodedNameTable(cache.tablePath, indexed, manifest.tableId);
  // Written last: a manifest only ever names a table and pack that are already in place.
  cache.writeManifest(manifest);
  return finish(manifest, summary.decls, removed, transient);
}

/** Splits the walked files into unchanged (size and mtime as in the manifest) and changed or new. */
function compareWithManifest(
  files: readonly SourceFile[],
  previous: Manifest | null,
): { next: Map<string, ManifestEntry>; changed: Candidate[]; removed: number; problems: InputProblem[] } {
  const next = new Map<string, ManifestEntry>();
  const changed: Candidate[] = [];
  const problems: InputProblem[] = [];
  let stillThere = 0;
  for (const file of files) {
    const treePath = toPosix(file.displayPath);
    let stats: fs.Stats;
    try {
      stats = fs.statSync(file.absolutePath);
    } catch (error) {
      const { kind, reason } = describeFsError(error);
      problems.push({ path: treePath, kind, reason, analysed: false });
      continue;
    }
    const old = previous?.files.get(treePath);
    if (old) stillThere++;
    if (old && old.size === stats.size && old.mtimeMs === stats.mtimeMs && !mayHaveBecomeReadable(old, file)) {
      next.set(treePath, old);
    } else {
      changed.push({ file: { ...file, size: stats.size }, path: treePath, size: stats.size, mtimeMs: stats.mtimeMs });
    }
  }
  return { next, changed, removed: previous ? previous.files.size - stillThere : 0, problems };
}

/** chmod changes neither size nor mtime, so a file that was unreadable is tried again when it may now be read. */
function mayHaveBecomeReadable(entry: ManifestEntry, file: SourceFile): boolean {
  if (entry.problem?.kind !== 'unreadable') return false;
  try {
    fs.accessSync(file.absolutePath, fs.constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Parses files on worker threads. */
async function extract(candidates: readonly Candidate[], options: IndexBuildOptions): Promise<ExtractedFile[]> {
  if (candidates.length === 0) return [];
  const progress = createProgress('index', candidates.length, options.progress);
  const results = await runBatches<FactsBatchResult>(
    batchFiles(candidates.map((c) => c.file)),
    (files) => ({ kind: 'facts', files, hintFiles: options.hintFiles, maxBytes: DEFAULT_MAX_FILE_SIZE, macroMaxBytes: MACRO_MAX_BYTES }),
    options.jobs,
    (files, bytes) => progress.advance(files, bytes),
  );
  progress.stop();
  return results.flatMap((r) => r.files);
}

/** Records a file's entry; a file that vanished since the walk is only reported, never remembered. */
function keepOrDrop(next: Map<string, ManifestEntry>, transient: InputProblem[], candidate: Candidate, entry: ManifestEntry): void {
  if (entry.problem?.kind === 'missing') transient.push(entry.problem);
  else next.set(candidate.path, entry);
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

/** The table's declaration counts if it is there, whole, and the one the manifest names; else null. */
function tableContents(tablePath: string, tableId: string): DeclCounts | null {
  let table: NameTable;
  try {
    table = NameTable.open(tablePath);
  } catch {
    return null;
  }
  try {
    return table.tableId === tableId ? table.declCounts : null;
  } finally {
    table.close();
  }
}

function statsOf(
  manifest: Manifest,
  decls: DeclCounts,
  run: { extracted: number; rehashed: number; bytesRead: number; removed: number; transient: InputProblem[]; started: bigint; cacheBytes: number },
): IndexStats {
  let files = 0;
  let macroSkipped = 0;
  const skipped = [...run.transient];
  const warnings: InputProblem[] = [];
  for (const entry of manifest.files.values()) {
    if (entry.hash) {
      files++;
      if (entry.size > MACRO_MAX_BYTES) macroSkipped++;
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
    seconds: Number(process.hrtime.bigint() - run.started) / 1e9,
    cacheBytes: run.cacheBytes,
  };
}

function entryOf(candidate: Candidate): ManifestEntry {
  const entry: ManifestEntry = { size: candidate.size, mtimeMs: candidate.mtimeMs, hash: candidate.hash ?? null };
  if (candidate.problem) entry.problem = candidate.problem;
  return entry;
}

function sortedByPath(entries: ReadonlyMap<string, ManifestEntry>): Map<string, ManifestEntry> {
  return new Map([...entries].sort(([a], [b]) => compareBytewise(a, b)));
}

function sourceFile(root: string, treePath: string, size: number): SourceFile {
  return { absolutePath: path.join(root, treePath), displayPath: treePath, size };
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}
