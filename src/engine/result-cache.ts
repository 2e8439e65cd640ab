// The result cache of a scan. A file's findings are reused when its content
// is the one analysed (same stat, or same sha1 once read again), the run key
// is the same (code, data, rules, options: result-key.ts), and the index
// facts it looked up are unchanged: at once when the index table is the one
// it was analysed with; otherwise when none of the keys it looked up names a
// declaration that changed, and its #include closure cannot have changed
// (index-changes.ts). Everything else is analysed again and stored.

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceFile } from '../input/walk';
import * as v8 from 'node:v8';
import type { Finding } from '../model';
import type { ScanFileResult } from './worker';
import { CachedAnalysis, CachedFile, FileStat, ResultStore, StoredAnalysis } from './result-store';
import { findingsThroughGate, TierGate } from './tier-gate';
import { DEFAULT_RESULT_CACHE_BYTES, pruneResultCaches } from './result-prune';
import { indexPathOf, type TypeIndexHandle } from '../types/index-path';
import type * as IndexHandle from '../types/index-handle';
import { changesBetween, decodeIndexState, encodeIndexState, FactsReader, IndexChanges, IndexState, mayHaveChanged, openIndexState } from '../types/index-changes';

/** Test-only: a bound other than DEFAULT_RESULT_CACHE_BYTES on the result caches of a cacheDir. */
const MAX_BYTES_ENV = 'PATCH_AUDIT_RESULT_CACHE_MAX_BYTES';

export interface ResultCacheOptions {
  cacheDir: string;
  /** resultKey() of the run. */
  key: string;
  /** Which of a reused file's findings the run gets (the store keeps every tier). */
  gate: TierGate;
  types: TypeIndexHandle;
  hintFiles: readonly string[];
}

export interface ResultCacheStats {
  /** Files whose findings came from the cache. */
  reused: number;
  /** Files analysed (not cached, or stale). */
  analysed: number;
  /** Cached files analysed again because index facts they looked up changed. */
  invalidated: number;
  /** Files read to compare their content because their stat changed. */
  rehashed: number;
}

/** What check() found: per input file, the cached analysis or the stat taken before it is analysed. */
export interface CacheCheck {
  reused: (CachedAnalysis | undefined)[];
  stats: (FileStat | undefined)[];
  counts: ResultCacheStats;
}

export class ResultCache {
  private readonly store: ResultStore;
  private readonly changes = new Map<string, IndexChanges | null>();
  private readonly restamped: CachedFile[] = [];

  private constructor(
    private readonly options: ResultCacheOptions,
    private readonly index: { state: IndexState; facts: FactsReader } | null,
  ) {
    this.store = new ResultStore(path.join(options.cacheDir, `results-${options.key}`));
  }

  /** The cache of a run, or null when the index it would be checked against cannot be read. */
  static open(options: ResultCacheOptions): ResultCache | null {
    if (!options.types.root) return new ResultCache(options, null);
    const index = openIndexState(options.cacheDir, options.hintFiles, options.types.root);
    return index ? new ResultCache(options, index) : null;
  }

  private get tableId(): string {
    return this.index?.state.tableId ?? '';
  }

  check(files: readonly SourceFile[]): CacheCheck {
    const check: CacheCheck = { reused: [], stats: [], counts: { reused: 0, analysed: 0, invalidated: 0, rehashed: 0 } };
    files.forEach((file, i) => {
      const stat = statOf(file.absolutePath);
      check.stats[i] = stat;
      const entry = stat && this.store.get(file.absolutePath, file.displayPath);
      const reused = entry && this.reusable(entry, file, stat, check.counts);
      if (reused) {
        check.reused[i] = reused;
        check.counts.reused++;
      } else check.counts.analysed++;
    });
    return check;
  }

  /** Stores the analyses of the files check() did not find, and the entries it brought up to date. */
  record(files: readonly SourceFile[], check: CacheCheck, analyses: readonly (ScanFileResult | undefined)[]): void {
    const entries = [...this.restamped];
    files.forEach((file, i) => {
      const analysis = analyses[i];
      const stat = check.stats[i];
      if (!analysis || !stat || analysis.hash === undefined || !analysis.lookups) return;
      const { hash, lookups, allTiers, findings: _shown, ...rest } = analysis;
      const stored: StoredAnalysis = { ...rest, findings: allTiers ?? NO_FINDINGS };
      entries.push({ absolutePath: file.absolutePath, displayPath: file.displayPath, stat, hash, tableId: this.tableId, lookups, analysis: stored });
    });
    this.store.touch();
    if (entries.length) this.store.put(entries);
    if (this.index && !this.store.hasTable(this.tableId)) this.store.writeTable(this.tableId, encodeIndexState(this.index.state));
    const maxBytes = Number(process.env[MAX_BYTES_ENV]) || DEFAULT_RESULT_CACHE_BYTES;
    pruneResultCaches(this.options.cacheDir, this.store.directory, maxBytes);
  }

  private reusable(entry: CachedFile, file: SourceFile, stat: FileStat, counts: ResultCacheStats): CachedAnalysis | undefined {
    let restamp = false;
    if (!sameStat(entry.stat, stat)) {
      counts.rehashed++;
      if (contentHash(file.absolutePath) !== entry.hash) return undefined;
      restamp = true;
    }
    if (entry.tableId !== this.tableId) {
      const changes = this.changesSince(entry.tableId);
      if (!changes || mayHaveChanged(entry.lookups, indexPathOf(this.options.types, file.absolutePath, file.displayPath), changes)) {
        counts.invalidated++;
        return undefined;
      }
      restamp = true;
    }
    const analysis = this.throughGate(entry.analysis);
    if (!analysis) return undefined;
    if (restamp) this.restamped.push({ ...entry, stat, tableId: this.tableId });
    return analysis;
  }

  /** The stored analysis with its findings read back and gated; undefined when they cannot be read. */
  private throughGate(stored: StoredAnalysis): CachedAnalysis | undefined {
    let all: unknown;
    try {
      all = v8.deserialize(stored.findings);
    } catch {
      return undefined;
    }
    if (!Array.isArray(all)) return undefined;
    return { ...stored, findings: findingsThroughGate(all as Finding[], this.options.gate, stored.suppressions) };
  }

  /** What changed in the index since the table `tableId`, or null if that cannot be told. */
  private changesSince(tableId: string): IndexChanges | null {
    let changes = this.changes.get(tableId);
    if (changes === undefined) {
      const stored = this.index && this.store.readTable(tableId);
      const before = stored ? decodeIndexState(stored) : null;
      // The index's reader (tree-sitter, the extractor, the typer) loads only here: a scan's main thread needs it for nothing else.
      const { typeIndexOf } = require('../types/index-handle') as typeof IndexHandle;
      changes = this.index && before?.tableId === tableId ? changesBetween(before, this.index.state, this.index.facts, typeIndexOf(this.options.types)) : null;
      this.changes.set(tableId, changes);
    }
    return changes;
  }
}

const NO_FINDINGS: Uint8Array = v8.serialize([]);

function statOf(file: string): FileStat | undefined {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? { size: stat.size, mtimeMs: stat.mtimeMs, ctimeMs: stat.ctimeMs, ino: stat.ino } : undefined;
  } catch {
    return undefined;
  }
}

function sameStat(a: FileStat, b: FileStat): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs && a.ino === b.ino;
}

function contentHash(file: string): string | undefined {
  try {
    return createHash('sha1').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}
