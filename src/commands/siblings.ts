// `patch-audit siblings`: for a given fix (a patch, an mbox, or a commit of the
// tree's repository, e.g. an upstream fix not backported yet), the findings of
// the same rule and key still in the tree. The fix is applied when it applies
// (the siblings are then what it leaves behind); when it does not, its hunks
// tell what it fixes and the tree is searched as it is.

import { SEVERITY_RANK, type Severity } from '../model';
import type { DiffResult } from '../diff/model';
import { renderDiffJson } from '../report/diff-json';
import { renderDiffSarif } from '../report/diff-sarif';
import { renderSiblingsText } from '../report/siblings-text';
import { auditPatches, diffNotices, isFatal, type AuditOptions } from './diff';
import { EXIT_FINDINGS, EXIT_INPUT_ERROR, EXIT_OK, toolVersion } from './common';
import { checkCacheDir, checkOutputFile, checkTreeDir } from './preflight';
import { sarifReportSettings, writeNotices, writeReport, type SarifCommandSettings } from './report-output';

export type SiblingsReportFormat = 'text' | 'json' | 'sarif';
export const SIBLINGS_REPORT_FORMATS: readonly SiblingsReportFormat[] = ['text', 'json', 'sarif'];

export interface SiblingsOptions extends Omit<AuditOptions, 'siblings' | 'fixAgainstTree' | 'showExisting'> {
  format: SiblingsReportFormat;
  failOn: Severity;
  output?: string;
  sarif?: SarifCommandSettings;
}

export async function siblings(options: SiblingsOptions): Promise<{ result: DiffResult; exitCode: number }> {
  checkOutputFile(options.output);
  checkTreeDir(options.tree);
  if (options.index) checkCacheDir(options.cacheDir);
  // One commit, unless a range is given: REV^! is that commit alone.
  const git = options.git !== undefined && !options.git.includes('..') ? `${options.git}^!` : options.git;
  const audited = await auditPatches({ ...options, git, siblings: true, fixAgainstTree: true, showExisting: false });
  // The report is the fixed findings that were searched, each with its siblings.
  const result: DiffResult = { ...audited, patches: audited.patches.map((audit) => ({ ...audit, findings: audit.findings.filter((f) => f.siblings) })) };
  const sarif = sarifReportSettings(options.sarif);
  const report =
    options.format === 'json'
      ? renderDiffJson(result, { toolVersion: toolVersion() })
      : options.format === 'sarif'
        ? renderDiffSarif(result, { toolVersion: toolVersion(), cwd: result.tree ?? process.cwd(), ...sarif })
        : renderSiblingsText(result);
  writeReport(report, options.output);
  writeNotices(diffNotices(result));
  return { result, exitCode: siblingsExitCode(result, options.failOn) };
}

/** 2 when some input was not audited, else 1 when an unfixed sibling is at or above `failOn`, else 0. */
export function siblingsExitCode(result: DiffResult, failOn: Severity): number {
  const problems = [...result.problems, ...result.patches.flatMap((p) => p.problems)];
  if (problems.some(isFatal) || result.patches.some((p) => p.status === 'not-applied')) return EXIT_INPUT_ERROR;
  const siblings = result.patches.flatMap((p) => p.findings.flatMap((f) => f.siblings?.findings ?? []));
  return siblings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[failOn]) ? EXIT_FINDINGS : EXIT_OK;
}
