// The diff mode's machine-readable document. Like json.ts, every object is rebuilt
// field by field so the key order never depends on how the stages built their data.

import type { AuditedFinding, DiffResult, FindingState, PatchAudit, PatchProblem, PatchStatus, SiblingSearchSummary } from '../diff/model';
import { siblingSearchRecord, unfixedSiblingsRecord, type JsonUnfixedSiblings } from './siblings-json';
import type { Finding } from '../model';
import { findingRecord, ruleRecord, type JsonReportRule } from './json';

/** Bump when a field is renamed or removed; adding fields keeps the version. */
export const DIFF_JSON_REPORT_VERSION = 1;

export interface DiffJsonOptions {
  toolVersion: string;
}

export interface DiffStateCounts {
  introduced: number;
  fixed: number;
  existing: number;
}

export interface DiffJsonSummary extends DiffStateCounts {
  patches: number;
  /** Patches with status 'not-applied'. */
  notApplied: number;
}

export type DiffJsonFinding = {
  state: FindingState;
  patchLine?: number;
  onChangedLine: boolean;
  /** A fixed finding's unfixed siblings, when they were searched for. */
  unfixedSiblings?: JsonUnfixedSiblings;
} & Finding;

export interface DiffJsonProblem {
  kind: PatchProblem['kind'];
  patch: string;
  file?: string;
  hunk?: number;
  patchLine?: number;
  reason: string;
  applied: boolean;
}

export interface DiffJsonPatch {
  index: number;
  total: number;
  label: string;
  subject: string;
  commit?: string;
  author?: string;
  status: PatchStatus;
  files: string[];
  summary: DiffStateCounts;
  /** Introduced findings accepted by suppression comments, when there are any. */
  suppressed?: number;
  /** Where the types came from, when not the tree on disk (diff --git: the commit's parent). */
  typesFrom?: string;
  findings: DiffJsonFinding[];
  problems: DiffJsonProblem[];
  /** What the search for unfixed siblings did, when it ran. */
  siblingSearch?: SiblingSearchSummary;
}

export interface DiffJsonReport {
  version: number;
  mode: 'diff';
  tool: { name: 'patch-audit'; version: string };
  partial: boolean;
  tree?: string;
  summary: DiffJsonSummary;
  patches: DiffJsonPatch[];
  problems: DiffJsonProblem[];
  rules: JsonReportRule[];
}

export function buildDiffJson(result: DiffResult, options: DiffJsonOptions): DiffJsonReport {
  const total = countStates(result.patches.flatMap((audit) => audit.findings));
  return {
    version: DIFF_JSON_REPORT_VERSION,
    mode: 'diff',
    tool: { name: 'patch-audit', version: options.toolVersion },
    partial: result.partial,
    ...(result.tree === undefined ? {} : { tree: result.tree }),
    summary: {
      patches: result.patches.length,
      introduced: total.introduced,
      fixed: total.fixed,
      existing: total.existing,
      notApplied: result.patches.filter((audit) => audit.status === 'not-applied').length,
    },
    patches: result.patches.map(patchRecord),
    problems: result.problems.map(patchProblemRecord),
    rules: result.rules.map(ruleRecord),
  };
}

export function renderDiffJson(result: DiffResult, options: DiffJsonOptions): string {
  return JSON.stringify(buildDiffJson(result, options), null, 2) + '\n';
}

/** How many findings are in each state; shared by the diff reporters so their counts agree. */
export function countStates(findings: readonly AuditedFinding[]): DiffStateCounts {
  // An introduced finding a suppression comment accepts is not counted (it is shown only with --show-suppressed).
  const count = (state: FindingState) => findings.filter((audited) => audited.state === state && !(state === 'introduced' && audited.finding.suppression)).length;
  return { introduced: count('introduced'), fixed: count('fixed'), existing: count('existing') };
}

function patchRecord(audit: PatchAudit): DiffJsonPatch {
  const { patch } = audit;
  return {
    index: patch.index,
    total: patch.total,
    label: patch.label,
    subject: patch.subject,
    ...(patch.commit === undefined ? {} : { commit: patch.commit }),
    ...(patch.author === undefined ? {} : { author: patch.author }),
    status: audit.status,
    files: [...audit.files],
    summary: countStates(audit.findings),
    ...(audit.suppressed ? { suppressed: audit.suppressed } : {}),
    ...(audit.typesFrom === undefined ? {} : { typesFrom: audit.typesFrom }),
    findings: audit.findings.map(auditedFindingRecord),
    problems: audit.problems.map(patchProblemRecord),
    ...(audit.siblingSearch ? { siblingSearch: siblingSearchRecord(audit.siblingSearch) } : {}),
  };
}

function auditedFindingRecord(audited: AuditedFinding): DiffJsonFinding {
  return {
    state: audited.state,
    ...(audited.patchLine === undefined ? {} : { patchLine: audited.patchLine }),
    onChangedLine: audited.onChangedLine,
    ...findingRecord(audited.finding),
    ...(audited.siblings ? { unfixedSiblings: unfixedSiblingsRecord(audited.siblings) } : {}),
  };
}

export function patchProblemRecord(problem: PatchProblem): DiffJsonProblem {
  return {
    kind: problem.kind,
    patch: problem.patch,
    ...(problem.file === undefined ? {} : { file: problem.file }),
    ...(problem.hunk === undefined ? {} : { hunk: problem.hunk }),
    ...(problem.patchLine === undefined ? {} : { patchLine: problem.patchLine }),
    reason: problem.reason,
    applied: problem.applied,
  };
}
