// `patch-audit diff`: a patch, an mbox series, standard input or a git range,
// applied in memory to a tree; what each patch introduces and what it fixes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIDENCE_RANK, Confidence, Finding, SEVERITY_RANK, Severity } from '../model';
import { loadHints } from '../frontend/hints';
import { loadKnowledge } from '../knowledge';
import { loadRule, ruleIdsOnDisk, ruleInfo, tablesOfAllRules } from '../engine/registry';
import type { AbiName } from '../types/ctype';
import { openTypeSession } from '../types/session';
import { typeIndexOf } from '../types/index-handle';
import { findKernelRoot } from '../types/tree-root';
import { TypeIndex } from '../types/type-index';
import { createPatchAuditor, visibleFindings } from '../diff/audit';
import { ImageAnalyser } from '../diff/image-analysis';
import { readPatchFiles, SeriesInput } from '../diff/inputs';
import { readGitRange } from '../diff/git-range';
import { GitRepository, gitTopLevel } from '../diff/git-repository';
import { systemGit, type GitRunner } from '../diff/git-runner';
import { DEFAULT_SIBLING_SECONDS, type DiffResult, type PatchAudit, type PatchProblem } from '../diff/model';
import { DiskTree } from '../diff/tree-source';
import { SiblingBudget, withUnfixedSiblings } from '../diff/siblings';
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
  /** Search unfixed siblings of fixed findings: true, false, or undefined (when the tree has an index). */
  siblings?: boolean;
  /** The time bound of the sibling search over the whole run, in seconds. */
  siblingSeconds?: number;
  /**
   * The siblings command: every patch (git commits too) goes to the tree as it
   * is; one that does not apply there (a fix not backported, or already in)
   * is read from its hunks alone, and the tree is searched as it is.
   */
  fixAgainstTree?: boolean;
  /** The configuration file and suppressions (src/gating/). */
  gate?: ConfigRequest & ShowOptions;
  /** How git is started, for tests. */
  gitRunner?: GitRunner;
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
  notices.push(...siblingNotices(result));
  if (sarif) {
    const findings = result.patches.flatMap((audit) => audit.findings).filter((audited) => sarif.includeFixed || audited.state !== 'fixed');
    notices.push(...sarifVolumeNotices(findings.length, sarif.maxResults));
  }
  return notices;
}

/**
 * A fix that does not apply to the tree, audited from its hunks: what it fixes
 * is known from them, and the tree, left as it is, is searched. Why it did not
 * apply stays as a note; a patch refused as a whole (malformed, unsafe paths) stays refused.
 */
function fromHunksAlone(applied: PatchAudit, hunks: PatchAudit): PatchAudit {
  if (hunks.status !== 'audited') return applied;
  const notes = applied.problems.map((problem) => ({ ...problem, applied: true, reason: `${problem.reason}; the fix does not apply to this tree, so its hunks were read alone and the tree searched as it is` }));
  return { ...hunks, problems: [...notes, ...hunks.problems] };
}

/** The sibling search stopped at its time bound: which patches it left incomplete. */
function siblingNotices(result: DiffResult): string[] {
  const stopped = result.patches.filter((audit) => audit.siblingSearch && !audit.siblingSearch.complete);
  if (stopped.length === 0) return [];
  const searched = stopped.map((audit) => `${printable(audit.patch.label)}: ${audit.siblingSearch!.searched} of ${audit.siblingSearch!.candidates} candidate files`).join('; ');
  return [`note: the search for unfixed siblings stopped at its time bound of ${result.siblingSeconds} s (${searched}); raise it with --siblings-time SECONDS`];
}

/** The audit without the report: each patch applied, analysed and its findings classified and filtered. */
export async function auditPatches(options: AuditOptions, config: GatingConfig | null = null): Promise<DiffResult> {
  if (options.git && options.patches.length) throw new UsageError('give either patch files or --git <range>, not both');
  if (!options.git && options.patches.length === 0) throw new UsageError('no patch given: name patch or mbox files, - for standard input, or --git <range>');
  const rules = selectRuleIds(options.rules).map(loadRule);
  const hints = loadHints(options.macros);
  const knowledge = loadKnowledge(options.knowledge).validate(tablesOfAllRules());
  const root = treeRoot(options);
  if (options.siblings === true && (!root || !options.index)) {
    throw new UsageError(`--siblings needs a tree and its type index: ${root ? 'drop --no-index' : 'give --tree DIR'}`);
  }
  const keep = (f: { confidence: Confidence }) => CONFIDENCE_RANK[f.confidence] >= CONFIDENCE_RANK[options.minConfidence];
  const notIgnored = (f: Finding) => {
    const absolute = path.resolve(root ?? process.cwd(), f.location.file);
    return !config || !(config.excluded(absolute) || config.ignoredFor(f.ruleId, absolute));
  };
  const siblingSeconds = options.siblingSeconds ?? DEFAULT_SIBLING_SECONDS;
  let siblingSearch: { keep: (f: Finding) => boolean; budget: SiblingBudget } | null = null;

  // One repository session per audit: its short commands first, then one cat-file process for every read, closed at the end.
  const repository = options.git ? new GitRepository(root!, options.gitRunner ?? systemGit) : null;
  const patches: PatchAudit[] = [];
  let series: SeriesInput;
  try {
    series = repository ? readGitRange(repository, options.git!) : readPatchFiles(options.patches, options.maxPatchSize, options.readStdin);
    const index = await typeIndexFor(root, rules.some((rule) => rule.needsTypes) || options.siblings === true, options);
    const analyser = new ImageAnalyser(rules, { hints, knowledge, index, maxBytes: options.maxFileSize, treeRoot: root ?? null });
    const auditor = createPatchAuditor(analyser);
    siblingSearch = options.siblings !== false && index.hasTree ? { keep: (f: Finding) => keep(f) && notIgnored(f), budget: new SiblingBudget(siblingSeconds * 1000) } : null;
    const fuzz = options.fuzz ?? 0;
    const shared = root ? new WorkingTree(new DiskTree(root), fuzz) : null;
    for (const { patch, base } of series.entries) {
      const tree = base && !options.fixAgainstTree ? new WorkingTree(base, fuzz) : shared;
      let audit = await auditor.audit(patch, tree);
      if (options.fixAgainstTree && audit.status === 'not-applied') audit = fromHunksAlone(audit, await auditor.audit(patch, null));
      patches.push(siblingSearch && tree && audit.status === 'audited' ? await withUnfixedSiblings(audit, tree, analyser, siblingSearch) : audit);
      base?.release?.();
    }
  } finally {
    await repository?.close();
  }
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
    ...(siblingSearch ? { siblingSeconds } : {}),
    rules: rules.map(ruleInfo),
  };
}

/**
 * --tree, else the kernel tree around the current directory (for --git, the
 * repository's top level). Null: no tree, the hunks are audited alone.
 */
function treeRoot(options: { git?: string; tree?: string; gitRunner?: GitRunner }): string | null {
  if (options.git) {
    const top = gitTopLevel(options.tree ?? process.cwd(), options.gitRunner);
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
