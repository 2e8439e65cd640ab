// `patch-audit diff`: a patch, an mbox series, standard input or a git range,
// applied in memory to a tree; what each patch introduces and what it fixes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIDENCE_RANK, Confidence, Finding, SEVERITY_RANK, Severity } from '../model';
import { loadHints } from '../frontend/hints';
import { loadKnowledge } from '../knowledge';
import { loadRule, ruleIdsOnDisk, ruleInfo, tablesOfAllRules } from '../engine/registry';
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
import { checkCacheDir, checkOutputFile, checkTreeDir } from './preflight';
import { sarifReportSettings, writeNotices, writeReport, type SarifCommandSettings } from './report-output';
import { PARTIAL_AUDIT_MESSAGE } from '../report/diff-sarif';
import { sarifVolumeNotices } from '../report/sarif-limits';
import { printable } from '../report/common';
import type { GatingConfig } from '../gating/config';
import { configFor, configStart, ConfigRequest, withConfig } from '../gating/settings';
import type { ShowOptions } from '../gating/scan-gate';

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
  /** Context lines a hunk may ignore at each end when it does not apply exactly (patch -F); 0 by default, like git am. */
  fuzz?: number;
  /** Standard input, for tests. */
  readStdin?: () => Buffer;
  /** The configuration file and suppressions (src/gating/). */
  gate?: ConfigRequest & ShowOptions;
}

export interface DiffOptions extends AuditOptions {
  format: DiffReportFormat;
  failOn: Severity;
  color: boolean;
  output?: string;
  sarif?: SarifCommandSettings;
  /** One line per finding (checkpatch's --terse); the checkpatch format. */
  terse?: boolean;
  /** False: no checkpatch "total:" lines (checkpatch's --no-summary). */
  summary?: boolean;
}

export async function diff(requested: DiffOptions): Promise<{ result: DiffResult; exitCode: number }> {
  if (requested.terse && requested.format !== 'checkpatch') throw new UsageError(`--terse is a form of -f checkpatch, not of -f ${requested.format}`);
  checkOutputFile(requested.output);
  checkTreeDir(requested.tree);
  if (requested.index) checkCacheDir(requested.cacheDir);
  const { settings, config } = withDiffConfig(requested);
  // SARIF carries suppressed findings, marked, for code scanning to read.
  const options = settings.format === 'sarif' ? { ...settings, gate: { ...settings.gate, showSuppressed: true } } : settings;
  const result = await auditPatches(options, config);
  const sarif = sarifReportSettings(options.sarif);
  const report = renderDiffReport(options.format, result, {
    toolVersion: toolVersion(),
    cwd: result.tree ?? process.cwd(),
    color: options.color,
    sarif,
    checkpatch: { terse: options.terse, summary: options.summary },
  });
  writeReport(report, options.output);
  writeNotices(diffNotices(result, options.format === 'sarif' ? sarif : undefined));
  return { result, exitCode: diffExitCode(result, options.failOn) };
}

/** The options merged with the configuration file found from the tree (or the current directory) upwards. */
function withDiffConfig<T extends DiffOptions>(options: T): { settings: T; config: GatingConfig | null } {
  const request = options.gate ?? {};
  if (request.config === false) return { settings: options, config: null };
  const known = ruleIdsOnDisk();
  const config = configFor(request, configStart(treeRoot(options), undefined), new Set(known));
  return { settings: withConfig(options, config, request.explicit ?? new Set(), known), config };
}
/** What standard error says beside any report: a partial audit, each patch problem, SARIF volume. */
export function diffNotices(result: DiffResult, sarif?: { maxResults?: number; includeFixed?: boolean }): string[] {
  const notices: string[] = [];
  if (result.partial) notices.push(`warning: ${PARTIAL_AUDIT_MESSAGE} (use --tree DIR)`);
  const problems = [...result.patches.flatMap((audit) => audit.problems), ...result.problems];
  for (const problem of problems) {
    // The applier's reasons already name the file and the hunk; others get them in front.
    const file = problem.file !== undefined && !problem.reason.includes(problem.file) ? problem.file : undefined;
    const hunk = problem.hunk !== undefined && !/\bhunk \d/.test(problem.reason) ? `hunk #${problem.hunk}` : undefined;
    const place = [problem.patch, file, hunk].filter((part) => part !== undefined);
    const level = isFatal(problem) ? 'error' : 'note';
    notices.push(`${level}: ${printable([...place, problem.reason].join(': '))}`);
  }
  if (sarif) {
    const findings = result.patches.flatMap((audit) => audit.findings).filter((audited) => sarif.includeFixed || audited.state !== 'fixed');
    notices.push(...sarifVolumeNotices(findings.length, sarif.maxResults));
  }
  return notices;
}

/** The audit without the report: each patch applied, analysed and its findings classified and filtered. */
export async function auditPatches(options: AuditOptions, config: GatingConfig | null = null): Promise<DiffResult> {
  if (options.git && options.patches.length) throw new UsageError('give either patch files or --git <range>, not both');
  if (!options.git && options.patches.length === 0) throw new UsageError('no patch given: name patch or mbox files, - for standard input, or --git <range>');
  const rules = selectRuleIds(options.rules).map(loadRule);
  const hints = loadHints(options.macros);
  const knowledge = loadKnowledge(options.knowledge).validate(tablesOfAllRules());
  const root = treeRoot(options);

  const series: SeriesInput = options.git
    ? readGitRange(root!, options.git)
    : readPatchFiles(options.patches, options.maxPatchSize, options.readStdin);
  const index = await typeIndexFor(root, rules.some((rule) => rule.needsTypes), options);
  const auditor = createPatchAuditor(new ImageAnalyser(rules, { hints, knowledge, index, maxBytes: options.maxFileSize, treeRoot: root ?? null }));

  const fuzz = options.fuzz ?? 0;
  const shared = root ? new WorkingTree(new DiskTree(root), fuzz) : null;
  const patches = series.entries.map(({ patch, base }) => auditor.audit(patch, base ? new WorkingTree(base, fuzz) : shared));
  const keep = (f: { confidence: Confidence }) => CONFIDENCE_RANK[f.confidence] >= CONFIDENCE_RANK[options.minConfidence];
  const notIgnored = (f: Finding) => {
    const absolute = path.resolve(root ?? process.cwd(), f.location.file);
    return !config || !(config.excluded(absolute) || config.ignoredFor(f.ruleId, absolute));
  };
  const showSuppressed = Boolean(options.gate?.showSuppressed);
  return {
    patches: patches.map((audit) => {
      const visible = visibleFindings(audit.findings, (f) => keep(f) && notIgnored(f), options.showExisting);
      const suppressed = visible.filter((f) => f.state === 'introduced' && f.finding.suppression).length;
      return {
        ...audit,
        findings: showSuppressed ? visible : visible.filter((f) => !f.finding.suppression),
        ...(suppressed > 0 ? { suppressed } : {}),
      };
    }),
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
  const introduced = result.patches.flatMap((p) => p.findings).filter((f) => f.state === 'introduced' && !f.finding.suppression);
  if (introduced.some((f) => SEVERITY_RANK[f.finding.severity] >= SEVERITY_RANK[failOn])) return EXIT_FINDINGS;
  // A broken suppression comment the patch adds fails it like a finding, as in scan.
  if (problems.some((p) => p.kind === 'suppression') && SEVERITY_RANK[failOn] <= SEVERITY_RANK.warning) return EXIT_FINDINGS;
  return EXIT_OK;
}
