// `patch-audit diff`: a patch, an mbox series, standard input or a git range,
// applied in memory to a tree; what each patch introduces and what it fixes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIDENCE_RANK, Confidence, SEVERITY_RANK, Severity } from '../model';
import { loadHints } from '../frontend/hints';
import { loadKnowledge } from '../knowledge';
import { loadRule, ruleInfo } from '../engine/registry';
import type { AbiName } from '../types/ctype';
import { openTypeSession, typeIndexOf } from '../types/session';
import { findKernelRoot } from '../types/tree-root';
import { TypeIndex } from '../types/type-index';
import { createPatchAuditor, visibleFindings } from '../diff/audit';
import { ImageAnalyser } from '../diff/image-analysis';
import { gitTopLevel, readGitRange, readPatchFiles, SeriesInput } from '../diff/inputs';
import type { DiffResult, PatchAudit, PatchProblem } from '../diff/model';
import { DiskTree } from '../diff/tree-source';
import { WorkingTree } from '../diff/working-tree';
import { DiffReportFormat, renderDiffReport } from '../report/diff';
import { selectRuleIds } from './scan';
import { EXIT_FINDINGS, EXIT_INPUT_ERROR, EXIT_OK, toolVersion, UsageError } from './common';

/** What to audit and how: everything but the report. */
export interface AuditOptions {
  /** Patch or mbox files, `-` for standard input; empty with `git`. */
  patches: string[];
  /** A revision range of the tree's git repository. */
  git?: string;
  tree?: string;
  rules?: string[];
  minConfidence: Confidence;
  showExisting: boolean;
  jobs: number;
  macros: string[];
  knowledge: string[];
  maxFileSize: number;
  maxPatchSize: number;
  progress?: boolean;
  cacheDir?: string;
  /** The size the cache is pruned to after a run that wrote to it. */
  cacheMaxSize?: number;
  abi: AbiName;
  arch: string;
  /** Use the tree's type index (false: the touched files and built-in kernel types only). */
  index: boolean;
  /** Standard input, for tests. */
  readStdin?: () => Buffer;
}

export interface DiffOptions extends AuditOptions {
  format: DiffReportFormat;
  failOn: Severity;
  color: boolean;
  output?: string;
}

export async function diff(options: DiffOptions): Promise<{ result: DiffResult; exitCode: number }> {
  const result = await auditPatches(options);
  const report = renderDiffReport(options.format, result, { toolVersion: toolVersion(), cwd: result.tree ?? process.cwd(), color: options.color });
  if (options.output) fs.writeFileSync(options.output, report);
  else process.stdout.write(report);
  return { result, exitCode: diffExitCode(result, options.failOn) };
}

/** The audit without the report: each patch applied, analysed and its findings classified and filtered. */
export async function auditPatches(options: AuditOptions): Promise<DiffResult> {
  if (options.git && options.patches.length) throw new UsageError('give either patch files or --git <range>, not both');
  if (!options.git && options.patches.length === 0) throw new UsageError('no patch given: name patch or mbox files, - for standard input, or --git <range>');
  const rules = selectRuleIds(options.rules).map(loadRule);
  const hints = loadHints(options.macros);
  const knowledge = loadKnowledge(options.knowledge);
  const root = treeRoot(options);

  const series: SeriesInput = options.git
    ? readGitRange(root!, options.git)
    : readPatchFiles(options.patches, options.maxPatchSize, options.readStdin);
  const index = await typeIndexFor(root, rules.some((rule) => rule.needsTypes), options);
  const auditor = createPatchAuditor(new ImageAnalyser(rules, { hints, knowledge, index, maxBytes: options.maxFileSize, treeRoot: root ?? null }));

  const shared = root ? new WorkingTree(new DiskTree(root)) : null;
  const patches = series.entries.map(({ patch, base }) => auditor.audit(patch, base ? new WorkingTree(base) : shared));
  const keep = (f: { confidence: Confidence }) => CONFIDENCE_RANK[f.confidence] >= CONFIDENCE_RANK[options.minConfidence];
  return {
    patches: patches.map((audit) => ({ ...audit, findings: visibleFindings(audit.findings, keep, options.showExisting) })),
    problems: series.problems,
    partial: root === null,
    ...(root ? { tree: root } : {}),
    rules: rules.map(ruleInfo),
  };
}

/**
 * --tree, else the kernel tree around the current directory (for --git, the
 * repository's top level). Null: no tree, the hunks are audited alone.
 */
function treeRoot(options: { git?: string; tree?: string }): string | null {
  if (options.git) {
    const top = gitTopLevel(options.tree ?? process.cwd());
    if (!top) throw new UsageError(`--git needs a git repository: ${path.resolve(options.tree ?? '.')} is not in one`);
    return top;
  }
  if (options.tree) {
    const stat = fs.statSync(options.tree, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) throw new UsageError(`--tree ${options.tree}: not a directory`);
    return path.resolve(options.tree);
  }
  return findKernelRoot(process.cwd());
}

async function typeIndexFor(root: string | null, wanted: boolean, options: AuditOptions): Promise<TypeIndex> {
  const typeOptions = { abi: options.abi, arch: options.arch };
  if (!root || !wanted || !options.index) return new TypeIndex(null, typeOptions);
  const session = await openTypeSession({
    tree: root,
    cacheDir: options.cacheDir,
    cacheMaxSize: options.cacheMaxSize,
    hintFiles: options.macros,
    jobs: options.jobs,
    progress: options.progress ?? false,
    abi: options.abi,
    arch: options.arch,
  });
  return typeIndexOf(session.handle);
}

/** A problem that means part of the input was not audited; a skipped binary section or a Latin-1 patch is not one. */
export function isFatal(problem: PatchProblem): boolean {
  return !problem.applied && problem.kind !== 'binary';
}

/** 2 when some patch or input was not audited, else 1 when a patch introduces a finding at or above `failOn`, else 0. */
export function diffExitCode(result: DiffResult, failOn: Severity): number {
  const problems = [...result.problems, ...result.patches.flatMap((p: PatchAudit) => p.problems)];
  if (problems.some(isFatal) || result.patches.some((p) => p.status === 'not-applied')) return EXIT_INPUT_ERROR;
  const introduced = result.patches.flatMap((p) => p.findings).filter((f) => f.state === 'introduced');
  if (introduced.some((f) => SEVERITY_RANK[f.finding.severity] >= SEVERITY_RANK[failOn])) return EXIT_FINDINGS;
  return EXIT_OK;
}
