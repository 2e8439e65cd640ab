// The worker thread of scan, parse-stats and type-stats: analyses a batch of
// files and sends plain data back. (Index extraction has its own: src/types/facts-worker.ts.)

import type { SourceFile } from '../input/walk';
import type { Finding, InputProblem } from '../model';
import { readSourceBytes } from '../input/read';
import { HintTable, loadHints } from '../frontend/hints';
import { parseHealth } from '../frontend/parse-health';
import { loadRule } from './registry';
import { analyseFile, decodeAndParse } from './analyse-file';
import type { ParsedFile } from '../frontend/parse';
import { TreeMemory } from '../workers/tree-memory';
import { indexPathOf, TypeIndexHandle, typeIndexOf, typerFor } from '../types/session';
import { countResolution, emptyCounts } from '../types/resolution';
import { ConversionCounts, countConversions, emptyConversionCounts } from '../analysis/conversion-census';
import { knowledgeFor } from '../knowledge';

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
}

export interface ScanBatchResult {
  findings: Finding[];
  problems: InputProblem[];
  bytes: number;
  parsed: number;
  empty: number;
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

export interface ParseStatsBatchResult {
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

export interface TypeStatsBatchResult {
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

export async function runScan(task: ScanTask): Promise<ScanBatchResult> {
  const rules = task.ruleIds.map(loadRule);
  const options = { hints: hintsFor(task.hintFiles), maxBytes: task.maxBytes, types: task.types, knowledge: knowledgeFor(task.knowledgeFiles) };
  const out: ScanBatchResult = { findings: [], problems: [], bytes: 0, parsed: 0, empty: 0 };
  for (const file of task.files) {
    const analysis = analyseFile(file, rules, options);
    out.findings.push(...analysis.findings);
    out.problems.push(...analysis.problems);
    out.bytes += analysis.bytes;
    if (analysis.parsed) {
      out.parsed++;
      await treeMemory.parsed(analysis.bytes);
    }
    if (analysis.empty) out.empty++;
  }
  return out;
}

/** Reads, decodes and parses each file in turn; a file that cannot be read, or is not UTF-8, adds a problem. */
async function forEachParsed(
  files: SourceFile[],
  options: { hints: HintTable; maxBytes: number; raw?: boolean },
  problems: InputProblem[],
  visit: (parsed: ParsedFile, file: SourceFile, bytes: number) => void,
): Promise<void> {
  for (const file of files) {
    const read = readSourceBytes(file, { maxBytes: options.maxBytes });
    if (!read.ok) {
      problems.push(read.problem);
      continue;
    }
    const { parsed, problem } = decodeAndParse(file, read.bytes, { hints: options.hints, raw: options.raw });
    if (problem) problems.push(problem);
    visit(parsed, file, read.bytes.length);
    await treeMemory.parsed(read.bytes.length);
  }
}

export async function runParseStats(task: ParseStatsTask): Promise<ParseStatsBatchResult> {
  const out: ParseStatsBatchResult = { functions: 0, clean: 0, broken: [], bytes: 0, problems: [] };
  const options = { hints: hintsFor(task.hintFiles), maxBytes: task.maxBytes, raw: task.raw };
  await forEachParsed(task.files, options, out.problems, (parsed, file, bytes) => {
    out.bytes += bytes;
    const health = parseHealth(parsed);
    out.functions += health.functions;
    out.clean += health.clean;
    for (const b of health.broken) out.broken.push({ path: file.displayPath, line: b.line, cause: b.cause });
  });
  return out;
}

export async function runTypeStats(task: TypeStatsTask): Promise<TypeStatsBatchResult> {
  const index = typeIndexOf(task.types);
  const counts = emptyCounts();
  const conversions = emptyConversionCounts();
  const problems: InputProblem[] = [];
  await forEachParsed(task.files, { hints: hintsFor(task.hintFiles), maxBytes: task.maxBytes }, problems, (parsed, file) => {
    const typer = typerFor(parsed, index, indexPathOf(task.types, file.absolutePath, file.displayPath));
    countResolution(parsed, typer, counts);
    countConversions(parsed, typer, conversions);
  });
  return {
    conversions,
    memberAccesses: counts.memberAccesses,
    resolved: counts.resolved,
    unresolved: [...counts.unresolved].map(([reason, e]) => [reason, e.count, e.example]),
    problems,
  };
}

export default function run(
  task: WorkerTask,
): Promise<ScanBatchResult | ParseStatsBatchResult | TypeStatsBatchResult> {
  switch (task.kind) {
    case 'scan':
      return runScan(task);
    case 'parse-stats':
      return runParseStats(task);
    case 'type-stats':
      return runTypeStats(task);
  }
}
