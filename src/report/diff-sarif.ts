// SARIF 2.1.0 for the diff mode: one run over the whole series, built from the scan
// SARIF's pieces. What the audit adds is said in SARIF's own terms where it has them:
// result.baselineState (the pre-image is the baseline, the post-image the current run)
// and toolExecutionNotifications for patches that did not apply.

import { resolve } from 'node:path';
import type * as Sarif from 'sarif';
import type { AuditedFinding, DiffResult, FindingState, PatchAudit, PatchProblem, PatchSource } from '../diff/model';
import {
  SARIF_SCHEMA_URI,
  SARIF_SOURCE_ROOT,
  artifactLocation,
  automationDetails,
  cappedNotification,
  directoryUri,
  oneLine,
  ruleIndexMap,
  sarifResult,
  sarifTool,
  type SarifReportOptions,
} from './sarif';
import { capByImportance } from './sarif-limits';
import { siblingResults } from './siblings-sarif';

export interface DiffSarifOptions extends SarifReportOptions {
  /**
   * Keep fixed findings as results, with kind "pass" and level "none". Left out by
   * default: code scanning ignores baselineState and would open an alert for each.
   */
  includeFixed?: boolean;
}

const BASELINE_STATE: Record<FindingState, Sarif.Result.baselineState> = {
  introduced: 'new',
  fixed: 'absent',
  existing: 'unchanged',
};

export const PARTIAL_AUDIT_MESSAGE = 'partial audit: no kernel tree, only the hunks were analysed';

export function buildDiffSarif(result: DiffResult, options: DiffSarifOptions): Sarif.Log {
  const ruleIndexes = ruleIndexMap(result.rules);
  // Diff-mode paths are relative to the tree the patches were applied to, when there is one.
  const sourceRoot = result.tree === undefined ? options.cwd : resolve(options.cwd, result.tree);
  const reported = result.patches.flatMap((audit) =>
    audit.findings.filter((audited) => options.includeFixed || audited.state !== 'fixed').map((audited) => ({ audited, patch: audit.patch })),
  );
  const { kept, omitted } = capByImportance(reported, options.maxResults, (entry) => entry.audited.finding);
  const results = kept.map(({ audited, patch }) => diffResult(audited, patch, ruleIndexes.get(audited.finding.ruleId)));
  // One note per fixed finding with unfixed siblings; few, so outside the cap.
  results.push(...result.patches.flatMap((audit) => siblingResults(audit, ruleIndexes, patchReference(audit.patch))));
  const run = invocation(result);
  if (omitted > 0) run.toolExecutionNotifications!.push(cappedNotification(kept.length, omitted));
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: sarifTool(result.rules, options),
        ...automationDetails(options),
        invocations: [run],
        originalUriBaseIds: { [SARIF_SOURCE_ROOT]: { uri: directoryUri(sourceRoot) } },
        columnKind: 'utf16CodeUnits',
        results,
        properties: runProperties(result),
      },
    ],
  };
}

export function renderDiffSarif(result: DiffResult, options: DiffSarifOptions): string {
  return JSON.stringify(buildDiffSarif(result, options), null, 2) + '\n';
}

/**
 * The scan result of the finding plus its baselineState (fixed ones only with includeFixed). The finding's own location
 * is already on the right side: post-image for introduced and existing, pre-image for
 * fixed; properties.image says which.
 */
function diffResult(audited: AuditedFinding, patch: PatchSource, ruleIndex: number | undefined): Sarif.Result {
  const { properties, ...scanResult } = sarifResult(audited.finding, ruleIndex);
  // A fixed finding is not a problem of the current code: a "pass" result, with no level.
  const fixed = audited.state === 'fixed' ? { kind: 'pass' as const, level: 'none' as const } : {};
  return {
    ...scanResult,
    ...fixed,
    baselineState: BASELINE_STATE[audited.state],
    properties: {
      ...properties,
      state: audited.state,
      image: audited.state === 'fixed' ? 'pre' : 'post',
      patch: patchReference(patch),
      ...(audited.patchLine === undefined ? {} : { patchLine: audited.patchLine }),
      onChangedLine: audited.onChangedLine,
    },
  };
}

function patchReference(patch: PatchSource): Record<string, unknown> {
  return {
    index: patch.index,
    subject: patch.subject,
    label: patch.label,
    ...(patch.commit === undefined ? {} : { commit: patch.commit }),
  };
}

function runProperties(result: DiffResult): Sarif.PropertyBag {
  return {
    mode: 'diff',
    partial: result.partial,
    ...(result.tree === undefined ? {} : { tree: result.tree }),
    patches: result.patches.map((audit) => ({ ...patchReference(audit.patch), status: audit.status })),
  };
}

/** Unsuccessful when any patch, file or input could not be applied: the audit is then incomplete. */
function invocation(result: DiffResult): Sarif.Invocation {
  const notifications: Sarif.Notification[] = [];
  if (result.partial) {
    notifications.push({ level: 'warning', message: { text: PARTIAL_AUDIT_MESSAGE }, properties: { kind: 'partial' } });
  }
  for (const audit of result.patches) {
    for (const problem of audit.problems) notifications.push(notification(problem, audit));
  }
  for (const problem of result.problems) notifications.push(notification(problem, undefined));
  const problems = [...result.patches.flatMap((audit) => audit.problems), ...result.problems];
  const executionSuccessful =
    result.patches.every((audit) => audit.status !== 'not-applied') && problems.every((problem) => problem.applied);
  return { executionSuccessful, toolExecutionNotifications: notifications };
}

function notification(problem: PatchProblem, audit: PatchAudit | undefined): Sarif.Notification {
  const place = [problem.patch, problem.file, problem.hunk === undefined ? undefined : `hunk #${problem.hunk}`];
  const text = [...place.filter((part): part is string => part !== undefined), problem.reason].join(': ');
  return {
    level: problem.applied ? 'note' : 'error',
    message: { text: oneLine(text) },
    ...(problem.file === undefined ? {} : { locations: [{ physicalLocation: { artifactLocation: artifactLocation(problem.file) } }] }),
    properties: {
      kind: problem.kind,
      patch: audit === undefined ? { label: problem.patch } : patchReference(audit.patch),
      ...(problem.file === undefined ? {} : { file: problem.file }),
      ...(problem.hunk === undefined ? {} : { hunk: problem.hunk }),
      ...(problem.patchLine === undefined ? {} : { patchLine: problem.patchLine }),
      applied: problem.applied,
    },
  };
}
