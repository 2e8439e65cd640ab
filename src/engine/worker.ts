// The worker thread of scan, parse-stats and type-stats: analyses the files of
// a work item and sends back one plain result per file, in the item's order.
// (Index extraction has its own: src/types/facts-worker.ts.)

import type { SourceFile } from '../input/walk';
import * as v8 from 'node:v8';
import type { Finding, InputProblem } from '../model';
import { readSourceBytes } from '../input/read';
import { HintTable, loadHints } from '../frontend/hints';
import { parseHealth } from '../frontend/parse-health';
import { loadRule } from './registry';
import { analyseFile, decodeAndParse, FileAnalysis } from './analyse-file';
import type { ParsedFile } from '../frontend/parse';
import { TreeMemory } from '../workers/tree-memory';
import { typeIndexOf, typerFor } from '../types/index-handle';
import { indexPathOf, type TypeIndexHandle } from '../types/index-path';
import { countResolution, emptyCounts } from '../types/resolution';
import { ConversionCounts, countConversions, emptyConversionCounts } from '../analysis/conversion-census';
import { knowledgeFor } from '../knowledge';
import { findingsThroughGate, lowTierWanted, TierGate } from './tier-gate';

const treeMemory = new TreeMemory();

export interface ScanTask {
  kind: 'scan';
  files: SourceFile[];
  ruleIds: string[];
  hintFiles: string[];
  maxBytes: number;
  types: TypeIndexHandle;
  /** The user's knowledge files (--knowledge), added to data/knowledge/. */
  knowledgeFiles: string[];
  /** Hash each file and record its index look-ups, for the result cache. */
  forResultCache: boolean;
  /** Which findings the main thread gets (tier-gate.ts). */
  gate: TierGate;
}

export interface ScanFileResult extends FileAnalysis {
  /** The findings through the task's gate, in the order the rules gave them. */
  findings: Finding[];
  /** With forResultCache, when the file has findings: every tier's, v8-serialised, for the result cache. */
  allTiers?: Uint8Array;
}

export interface ParseStatsTask {
  kind: 'parse-stats';
  files: SourceFile[];
  hintFiles: string[];
  maxBytes: number;
  raw: boolean;
}

export interface BrokenFunctionAt {
  path: string;
  line: number;
  cause: string;
}

export interface ParseStatsFileResult {
  functions: number;
  clean: number;
  broken: BrokenFunctionAt[];
  bytes: number;
  problems: InputProblem[];
}

export interface TypeStatsTask {
  kind: 'type-stats';
  files: SourceFile[];
  hintFiles: string[];
  maxBytes: number;
  types: TypeIndexHandle;
}

export interface TypeStatsFileResult {
  conversions: ConversionCounts;
  memberAccesses: number;
  resolved: number;
  unresolved: [reason: string, count: number, example: string][];
  problems: InputProblem[];
}

export type WorkerTask = ScanTask | ParseStatsTask | TypeStatsTask;

const hintCache = new Map<string, HintTable>();

function hintsFor(files: string[]): HintTable {
  const key = files.join('\0');
  let hints = hintCache.get(key);
  if (!hints) {
    hints = loadHints(files);
    hintCache.set(key, hints);
  }
  return hints;
}

export async function runScan(task: ScanTask): Promise<ScanFileResult[]> {
  const rules = task.ruleIds.map(loadRule);
  const options = {
    hints: hintsFor(task.hintFiles),
    maxBytes: task.maxBytes,
    types: task.types,
    knowledge: knowledgeFor(task.knowledgeFiles),
    forResultCache: task.forResultCache,
    lowTierWanted: lowTierWanted(task.gate),
  };
  const out: ScanFileResult[] = [];
  for (const file of task.files) {
    const analysis = analyseFile(file, rules, options);
    out.push(throughGate(analysis, task));
    if (analysis.parsed) await treeMemory.parsed(analysis.bytes);
  }
  return out;
}

function throughGate(analysis: FileAnalysis, task: ScanTask): ScanFileResult {
  const all = analysis.findings;
  const result: ScanFileResult = { ...analysis, findings: findingsThroughGate(all, task.gate, analysis.suppressions) };
  if (task.forResultCache && all.length > 0) result.allTiers = v8.serialize(all);
  return result;
}

/**
 * Reads, decodes and parses each file in turn; a file that cannot be read, or
 * is not UTF-8, adds a problem to its result. `visit` fills in the rest.
 */
async function perParsedFile<R extends { problems: InputProblem[] }>(
  files: SourceFile[],
  options: { hints: HintTable; maxBytes: number; raw?: boolean },
  empty: () => R,
  visit: (out: R, parsed: ParsedFile, file: SourceFile, bytes: number) => void,
): Promise<R[]> {
  const results: R[] = [];
  for (const file of files) {
    const out = empty();
    results.push(out);
    const read = readSourceBytes(file, { maxBytes: options.maxBytes });
    if (!read.ok) {
      out.problems.push(read.problem);
      continue;
    }
    const { parsed, problem } = decodeAndParse(file, read.bytes, { hints: options.hints, raw: options.raw });
    if (problem) out.problems.push(problem);
    visit(out, parsed, file, read.bytes.length);
    await treeMemory.parsed(read.bytes.length);
  }
  return results;
}

export function runParseStats(task: ParseStatsTask): Promise<ParseStatsFileResult[]> {
  const options = { hints: hintsFor(task.hintFiles), maxBytes: task.maxBytes, raw: task.raw };
  const empty = (): ParseStatsFileResult => ({ functions: 0, clean: 0, broken: [], bytes: 0, problems: [] });
  return perParsedFile(task.files, options, empty, (out, parsed, file, bytes) => {
    out.bytes = bytes;
    const health = parseHealth(parsed);
    out.functions = health.functions;
    out.clean = health.clean;
    for (const b of health.broken) out.broken.push({ path: file.displayPath, line: b.line, cause: b.cause });
  });
}

export function runTypeStats(task: TypeStatsTask): Promise<TypeStatsFileResult[]> {
  const index = typeIndexOf(task.types);
  const empty = (): TypeStatsFileResult => ({ conversions: emptyConversionCounts(), memberAccesses: 0, resolved: 0, unresolved: [], problems: [] });
  return perParsedFile(task.files, { hints: hintsFor(task.hintFiles), maxBytes: task.maxBytes }, empty, (out, parsed, file) => {
    const typer = typerFor(parsed, index, indexPathOf(task.types, file.absolutePath, file.displayPath));
    const counts = emptyCounts();
    countResolution(parsed, typer, counts);
    countConversions(parsed, typer, out.conversions);
    out.memberAccesses = counts.memberAccesses;
    out.resolved = counts.resolved;
    out.unresolved = [...counts.unresolved].map(([reason, e]) => [reason, e.count, e.example]);
  });
}

export default function run(task: WorkerTask): Promise<ScanFileResult[] | ParseStatsFileResult[] | TypeStatsFileResult[]> {
  switch (task.kind) {
    case 'scan':
      return runScan(task);
    case 'parse-stats':
      return runParseStats(task);
    case 'type-stats':
      return runTypeStats(task);
  }
}
