// `patch-audit scan <paths...>`: files and folders in, findings out.

import { Confidence, InputProblem, SEVERITY_RANK, ScanResult, Severity } from '../model';
import * as fs from 'node:fs';
import { reportChunks, ReportFormat } from '../report';
import { printable } from '../report/common';
import { loadHints } from '../frontend/hints';
import { loadKnowledge } from '../knowledge';
import { ruleIdsOnDisk, loadRule, ruleInfo, tablesOfAllRules } from '../engine/registry';
import { runPerFile } from '../workers/work-items';
import { advanceBy, createProgress } from '../workers/progress';
import { compareFindings } from '../engine/findings';
import { SCAN_WORKER } from '../engine/worker-scripts';
import type { ScanFileResult, ScanTask } from '../engine/worker';
import { WorkerPool } from '../workers/pool';
import { lowTierWanted, type TierGate } from '../engine/tier-gate';
import { ResultCache, type ResultCacheStats } from '../engine/result-cache';
import { resultKey } from '../engine/result-key';
import type { CachedAnalysis } from '../engine/result-store';
import type { SourceFile } from '../input/walk';
import { defaultCacheDir } from '../types/cache-dir';
import type { Rule } from '../rule';
import type { AbiName } from '../types/ctype';
import { openTypeSession, openTypeSessionEarly, TypeSession, TypeSessionOptions } from '../types/session';
import { checkCacheDir, checkOutputFile, checkTreeDir } from './preflight';
import { sarifReportSettings, writeNotices, writeReport, type SarifCommandSettings } from './report-output';
import { sarifVolumeNotices } from '../report/sarif-limits';
import { STDIN_ARGUMENT, stdinSourceFile, type StdinFile } from '../input/stdin-file';
import { findKernelRoot } from '../types/tree-root';
import { reportedFindings, ScanGate, ScanGateOptions, ShowOptions } from '../gating/scan-gate';
import { isActive } from '../gating/suppressions';
import { filesOfShard, type ShardSpec } from '../shards/shard-spec';
import { collect, EXIT_FINDINGS, EXIT_INPUT_ERROR, EXIT_OK, reportDebugStats, toolVersion, UsageError } from './common';

export interface ScanOptions {
  format: ReportFormat;
  rules?: string[];
  failOn: Severity;
  minConfidence: Confidence;
  jobs: number;
  macros: string[];
  /** Extra knowledge files (data/knowledge/<table>.txt rows). */
  knowledge: string[];
  maxFileSize: number;
  explain: boolean;
  color: boolean;
  progress: boolean;
  output?: string;
  tree?: string;
  cacheDir?: string;
  /** The size the cache is pruned to after a run that wrote to it. */
  cacheMaxSize?: number;
  abi: AbiName;
  arch: string;
  /** Use the tree's type index (false: built-in kernel types only). */
  index: boolean;
  /** Reuse the findings of files unchanged since an earlier scan, and store the others'. */
  resultCache: boolean;
  sarif?: SarifCommandSettings;
  /** Standard input, for `-` (tests give their own). */
  readStdin?: () => Buffer;
  /** The configuration file, suppressions and the baseline (src/gating/). */
  gate?: ScanGateOptions & ShowOptions;
  /** Analyse only this part of the input (`--shard i/N`). */
  shard?: ShardSpec;
  /** Threads of the scan worker that the caller started before the scan was set up, and closes after it (the scan may close them sooner). */
  workers?: ScanWorkers;
}

export function selectRuleIds(requested: string[] | undefined): string[] {
  const available = ruleIdsOnDisk();
  if (!requested || requested.length === 0) return available;
  const unknown = requested.filter((id) => !available.includes(id));
  if (unknown.length) throw new UsageError(`unknown rule(s): ${unknown.join(', ')}; known: ${available.join(', ')}`);
  return [...new Set(requested)];
}

export type ScanWorkers = WorkerPool<ScanTask, ScanFileResult[]>;

export async function scan(paths: string[], requested: ScanOptions): Promise<{ result: ScanResult; exitCode: number }> {
  if (requested.workers) return scanWith(paths, requested, requested.workers);
  const workers = WorkerPool.start(SCAN_WORKER, requested.jobs);
  try {
    return await scanWith(paths, requested, workers);
  } finally {
    await workers.close();
  }
}

async function scanWith(paths: string[], requested: ScanOptions, workers: ScanWorkers): Promise<{ result: ScanResult; exitCode: number }> {
  checkOutputFile(requested.output);
  checkTreeDir(requested.tree);
  // The folder holds the result cache and the index; a scan that uses neither does not need it.
  if (requested.resultCache || requested.index) checkCacheDir(requested.cacheDir);
  const knownRules = ruleIdsOnDisk();
  const gateOptions = requested.gate ?? {};
  const givenPaths = paths.filter((given) => given !== STDIN_ARGUMENT);
  if (requested.shard) refuseWithShards(requested, givenPaths.length < paths.length);
  const near = givenPaths[0] ?? '.';
  const { gate, settings: options } = ScanGate.open(givenPaths, requested, { ...gateOptions, tree: requested.tree ?? findKernelRoot(near) }, knownRules);
  const ruleIds = selectRuleIds(options.rules);
  const rules = ruleIds.map(loadRule);
  loadHints(options.macros); // fail early, in the main thread, on a bad hints file
  loadKnowledge(options.knowledge).validate(tablesOfAllRules()); // likewise for knowledge files: every row of every table
  const stdin = givenPaths.length < paths.length ? stdinSourceFile((options.readStdin ?? readStandardInput)()) : null;
  try {
    return await scanFiles(givenPaths, stdin, { gate, gateOptions, knownRules, rules, workers }, options);
  } finally {
    stdin?.remove();
  }
}

interface ScanPlan {
  gate: ScanGate;
  gateOptions: ScanGateOptions & ShowOptions;
  knownRules: string[];
  rules: Rule[];
  workers: ScanWorkers;
}

async function scanFiles(paths: string[], stdin: StdinFile | null, plan: ScanPlan, options: ScanOptions): Promise<{ result: ScanResult; exitCode: number }> {
  const { gate, gateOptions, knownRules, rules, workers } = plan;
  const ruleIds = rules.map((rule) => rule.meta.id);
  const collected = await collect(paths);
  const included = gate.includedFiles(collected.files);
  // Standard input is not under the configuration's paths: it is analysed whenever it is given.
  if (stdin) included.push(stdin.file);
  if (included.length === 0 && collected.problems.length === 0) {
    throw new UsageError(`no C files (.c, .h) in ${paths.join(', ')}`);
  }
  const files = options.shard ? filesOfShard(included, options.shard) : included;
  // Problems met while walking the folders belong to no file's shard: the first shard reports them.
  const walkProblems = options.shard && options.shard.index !== 1 ? [] : collected.problems;
  const sessionOptions = typeSessionOptions(paths.length > 0 ? paths : [process.cwd()], rules, options);
  const results = await analyseWithTypes(files, ruleIds, sessionOptions, options, tierGateOf(options, gateOptions), workers);

  const verdict = gate.judge(
    results.flatMap((r) => r.findings).sort(compareFindings),
    files.map((file, i) => ({ file, suppressions: results[i].suppressions })),
    { knownRules, rulesRun: ruleIds, minConfidence: options.minConfidence },
  );
  for (const note of verdict.notes) process.stderr.write(`patch-audit: ${note}\n`);
  if (options.format === 'json' || options.format === 'sarif') {
    // They fail the run: say so where a person reads, not only inside the document.
    for (const p of verdict.gating.suppressionProblems) process.stderr.write(`${p.file}:${p.line}:${p.column}: warning: ${p.message} [suppression]\n`);
  }
  const problems = [...walkProblems, ...results.flatMap((r) => r.problems)].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const parsed = results.reduce((n, r) => n + (r.parsed ? 1 : 0), 0);
  const result: ScanResult = {
    findings: reportedFindings(verdict.findings, options.format, gateOptions),
    problems,
    rules: rules.map(ruleInfo),
    gating: verdict.gating,
    ...(options.shard ? { shard: options.shard } : {}),
    stats: {
      filesConsidered: files.length,
      filesParsed: parsed,
      filesSkippedByPrefilter: files.length - parsed - problems.filter((p) => !p.analysed).length,
      bytesRead: results.reduce((n, r) => n + r.bytes, 0),
      emptyFiles: results.reduce((n, r) => n + (r.empty ? 1 : 0), 0),
    },
  };
  const sarif = sarifReportSettings(options.sarif);
  const report = reportChunks(options.format, result, {
    toolVersion: toolVersion(),
    cwd: process.cwd(),
    explain: options.explain,
    color: options.color,
    sarif,
  });
  writeReport(report, options.output);
  writeNotices([
    ...result.problems.map(inputProblemNotice),
    ...(options.format === 'sarif' ? sarifVolumeNotices(result.findings.length, sarif.maxResults) : []),
  ]);
  return { result, exitCode: exitCodeFor(result, options.failOn) };
}

/** What a shard cannot do alone: a baseline of the whole run, standard input (which has no place in a split). */
function refuseWithShards(options: ScanOptions, readsStdin: boolean): void {
  if (readsStdin) throw new UsageError('--shard splits files and folders; standard input (-) cannot be sharded');
  if (options.gate?.writeBaseline) throw new UsageError('--write-baseline records a whole run: write it from an unsharded scan, or from the merged findings of all shards');
}

/** Which findings the main thread needs: those of the shown tiers, and what the gating reads besides (tier-gate.ts). */
function tierGateOf(options: ScanOptions, gateOptions: ScanGateOptions): TierGate {
  return { minConfidence: options.minConfidence, keepAllTiers: gateOptions.baseline !== undefined, suppressionsChecked: Boolean(gateOptions.reportUnusedSuppressions) };
}

/**
 * Analyses the files with the tree's type index. When the cache holds one, the analysis starts with it at
 * once while a worker thread checks that it is current; if it was not, it is refreshed and the files are
 * analysed again with it, on threads of their own.
 */
async function analyseWithTypes(
  files: SourceFile[],
  ruleIds: string[],
  sessionOptions: TypeSessionOptions,
  options: ScanOptions,
  gate: TierGate,
  workers: ScanWorkers,
): Promise<CachedAnalysis[]> {
  const early = openTypeSessionEarly(sessionOptions);
  let analysis: Analysis;
  let index: 'opened' | 'current' | 'refreshed' = 'opened';
  if (!early) {
    analysis = await analyseFiles(files, ruleIds, await openTypeSession(sessionOptions), options, gate, { workers });
  } else {
    const stop = new AbortController();
    const speculative = analyseFiles(files, ruleIds, early.provisional, options, gate, { workers, signal: stop.signal });
    speculative.catch(() => {}); // awaited below, or abandoned
    if (await early.current) {
      analysis = await speculative;
      index = 'current';
    } else {
      // The analysis so far is of no use: stop it, so that it does not compete with the refresh.
      stop.abort();
      await speculative.catch(() => {});
      // Their per-thread caches hold the old index: they are let go before the refresh needs the cores.
      await workers.close();
      analysis = await analyseFiles(files, ruleIds, await openTypeSession(sessionOptions), options, gate, {});
      index = 'refreshed';
    }
  }
  analysis.record();
  reportDebugStats('scan', { ...analysis.stats, index });
  return analysis.results;
}

interface Analysis {
  results: CachedAnalysis[];
  /** Stores the fresh results in the result cache (once they are known to stand). */
  record(): void;
  stats: { workItems: number; resultCache?: ResultCacheStats };
}

/** Each file's analysis, in input order, its findings through `gate`: from the result cache, or from the workers. */
async function analyseFiles(
  files: SourceFile[],
  ruleIds: string[],
  session: TypeSession,
  options: ScanOptions,
  gate: TierGate,
  run: { workers?: ScanWorkers; signal?: AbortSignal },
): Promise<Analysis> {
  const cache = options.resultCache ? openResultCache(ruleIds, session, options, gate) : null;
  const check = cache?.check(files);
  const pending = check ? files.filter((_, i) => !check.reused[i]) : files;
  const progress = createProgress('scan', files.length, options.progress);
  if (check) progress.advance(check.counts.reused, 0);
  const running = runPerFile(
    SCAN_WORKER,
    pending,
    (batch) => ({
      kind: 'scan' as const,
      files: batch,
      ruleIds,
      hintFiles: options.macros,
      maxBytes: options.maxFileSize,
      types: session.handle,
      knowledgeFiles: options.knowledge,
      forResultCache: cache !== null,
      gate,
    }),
    { jobs: options.jobs, onItemDone: (batch) => advanceBy(progress, batch), signal: run.signal, pool: run.workers },
  );
  const fresh = await running.finally(() => progress.stop());
  const stats = { workItems: fresh.items, ...(check ? { resultCache: check.counts } : {}) };
  if (!cache || !check) return { results: fresh.results, record: () => {}, stats };
  const analysed: (ScanFileResult | undefined)[] = [];
  let next = 0;
  const results = files.map((_, i) => check.reused[i] ?? (analysed[i] = fresh.results[next++]));
  const record = () => {
    cache.record(files, check, analysed);
    // Stored; the run needs only the gated findings.
    for (const analysis of analysed) if (analysis) delete analysis.allTiers;
  };
  return { results, record, stats };
}

function openResultCache(ruleIds: string[], session: TypeSession, options: ScanOptions, gate: TierGate): ResultCache | null {
  const key = resultKey({
    ruleIds,
    hintFiles: options.macros,
    knowledgeFiles: options.knowledge,
    maxBytes: options.maxFileSize,
    treeRoot: session.handle.root,
    typeOptions: session.handle.options,
    lowTier: lowTierWanted(gate),
  });
  return ResultCache.open({ cacheDir: options.cacheDir ?? defaultCacheDir(), key, gate, types: session.handle, hintFiles: options.macros });
}

/** The type index, when a rule needs types and the input is in a kernel tree (or --tree names one). */
function typeSessionOptions(paths: string[], rules: Rule[], options: ScanOptions): TypeSessionOptions {
  const wanted = options.index && rules.some((rule) => rule.needsTypes);
  return {
    ...(wanted ? { tree: options.tree, near: paths[0] } : {}),
    cacheDir: options.cacheDir,
    cacheMaxSize: options.cacheMaxSize,
    hintFiles: options.macros,
    jobs: options.jobs,
    progress: options.progress,
    abi: options.abi,
    arch: options.arch,
  };
}

export function exitCodeFor(result: ScanResult, failOn: Severity): number {
  // Any input problem, even a file that was still analysed as Latin-1, means the run is not what was asked for.
  if (result.problems.length > 0) return EXIT_INPUT_ERROR;
  if (result.findings.some((f) => isActive(f) && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn])) return EXIT_FINDINGS;
  // A wrong or unused suppression comment is a defect of the code under review, like a finding.
  if ((result.gating?.suppressionProblems.length ?? 0) > 0 && SEVERITY_RANK[failOn] <= SEVERITY_RANK.warning) return EXIT_FINDINGS;
  return EXIT_OK;
}

/** An input problem for standard error, whatever the report format: "error: path: reason" (a note when the file was still analysed). */
export function inputProblemNotice(problem: InputProblem): string {
  return `${problem.analysed ? 'note' : 'error'}: ${printable(problem.path)}: ${printable(problem.reason)}`;
}

function readStandardInput(): Buffer {
  return fs.readFileSync(0);
}
