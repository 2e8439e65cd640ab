// The worker thread: analyses a batch of files and sends plain data back.

import type { SourceFile } from '../input/walk';
import type { Finding, InputProblem } from '../model';
import { readSourceBytes } from '../input/read';
import { HintTable, loadHints } from '../frontend/hints';
import { parseHealth } from '../frontend/parse-health';
import { loadRule } from './registry';
import { analyseFile, decodeAndParse } from './analyse-file';
import { TreeMemory } from './tree-memory';

const treeMemory = new TreeMemory();

export interface ScanTask {
  kind: 'scan';
  files: SourceFile[];
  ruleIds: string[];
  hintFiles: string[];
  maxBytes: number;
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

export type WorkerTask = ScanTask | ParseStatsTask;

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
  const options = { hints: hintsFor(task.hintFiles), maxBytes: task.maxBytes };
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

export async function runParseStats(task: ParseStatsTask): Promise<ParseStatsBatchResult> {
  const hints = hintsFor(task.hintFiles);
  const out: ParseStatsBatchResult = { functions: 0, clean: 0, broken: [], bytes: 0, problems: [] };
  for (const file of task.files) {
    const read = readSourceBytes(file, { maxBytes: task.maxBytes });
    if (!read.ok) {
      out.problems.push(read.problem);
      continue;
    }
    out.bytes += read.bytes.length;
    const { parsed, problem } = decodeAndParse(file, read.bytes, { hints, raw: task.raw });
    if (problem) out.problems.push(problem);
    const health = parseHealth(parsed);
    out.functions += health.functions;
    out.clean += health.clean;
    for (const b of health.broken) out.broken.push({ path: file.displayPath, line: b.line, cause: b.cause });
    await treeMemory.parsed(read.bytes.length);
  }
  return out;
}

export default function run(task: WorkerTask): Promise<ScanBatchResult | ParseStatsBatchResult> {
  return task.kind === 'scan' ? runScan(task) : runParseStats(task);
}
