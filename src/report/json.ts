// A stable machine-readable document. Objects are rebuilt field by field so the key
// order never depends on how the stages happened to construct them.

import { MappedArray, prettyJsonChunks } from './json-chunks';
import type { Confidence, Finding, GatingSummary, InputProblem, RuleInfo, ScanResult, ScanStats, Severity, SourceLocation, SiblingKey } from '../model';

/** Bump when a field is renamed or removed; adding fields keeps the version. */
export const JSON_REPORT_VERSION = 1;

export interface JsonReportRule {
  id: string;
  description: string;
  severity: Severity;
  confidence: Confidence;
}

export interface JsonReport {
  version: number;
  tool: { name: 'patch-audit'; version: string };
  findings: Finding[];
  problems: InputProblem[];
  stats: ScanStats;
  rules: JsonReportRule[];
  /** Suppressions and the baseline, when either was in play. */
  gating?: GatingSummary;
  /** A sharded scan's part: shard `index` of `count`. */
  shard?: { index: number; count: number };
}

export interface JsonReportOptions {
  toolVersion: string;
}

export function buildJsonReport(result: ScanResult, options: JsonReportOptions): JsonReport {
  return jsonReportWith(result, options, result.findings.map(findingRecord));
}

/** The report with `findings` in its place, in the document's field order. */
function jsonReportWith<F>(result: ScanResult, options: JsonReportOptions, findings: F): Omit<JsonReport, 'findings'> & { findings: F } {
  return {
    version: JSON_REPORT_VERSION,
    tool: { name: 'patch-audit', version: options.toolVersion },
    findings,
    problems: result.problems.map(problemRecord),
    stats: statsRecord(result.stats),
    rules: result.rules.map(ruleRecord),
    ...(result.gating ? { gating: gatingRecord(result.gating) } : {}),
    ...(result.shard ? { shard: { index: result.shard.index, count: result.shard.count } } : {}),
  };
}

function gatingRecord(gating: GatingSummary): GatingSummary {
  return {
    suppressed: gating.suppressed,
    suppressionProblems: gating.suppressionProblems.map((p) => ({ file: p.file, line: p.line, column: p.column, kind: p.kind, message: p.message })),
    ...(gating.baseline
      ? {
          baseline: {
            file: gating.baseline.file,
            unchanged: gating.baseline.unchanged,
            stale: gating.baseline.stale.map((e) => ({ rule: e.rule, file: e.file, fingerprint: e.fingerprint, ...(e.count ? { count: e.count } : {}), message: e.message })),
          },
        }
      : {}),
  };
}

export function renderJson(result: ScanResult, options: JsonReportOptions): string {
  return JSON.stringify(buildJsonReport(result, options), null, 2) + '\n';
}

/** renderJson()'s text in pieces, each finding's record made as it is written (json-chunks.ts). */
export function jsonReportChunks(result: ScanResult, options: JsonReportOptions): Iterable<string> {
  // Depth 2: the document's members, and the elements of its arrays (findings, problems, rules), one by one.
  return prettyJsonChunks(jsonReportWith(result, options, new MappedArray(result.findings, findingRecord)), 2);
}

export function findingRecord(finding: Finding): Finding {
  return {
    ruleId: finding.ruleId,
    severity: finding.severity,
    confidence: finding.confidence,
    message: finding.message,
    location: locationRecord(finding.location),
    sourceLine: finding.sourceLine,
    // Left out rather than null when absent, so the findings stay model Findings.
    ...(finding.functionName === undefined ? {} : { functionName: finding.functionName }),
    evidence: finding.evidence.map((step) => ({
      location: locationRecord(step.location),
      message: step.message,
      ...(step.sourceLine === undefined ? {} : { sourceLine: step.sourceLine }),
    })),
    fix: finding.fix,
    fingerprint: finding.fingerprint,
    ...(finding.suppression ? { suppression: { reason: finding.suppression.reason, line: finding.suppression.line } } : {}),
    ...(finding.baselineState ? { baselineState: finding.baselineState } : {}),
    ...(finding.siblingKey ? { siblingKey: siblingKeyRecord(finding.siblingKey) } : {}),
  };
}

/** A sibling key, field by field. */
export function siblingKeyRecord(key: SiblingKey): SiblingKey {
  return {
    id: key.id,
    reason: key.reason,
    ...(key.calls ? { calls: [...key.calls] } : {}),
    ...(key.dropsResult ? { dropsResult: true } : {}),
    ...(key.declared ? { declared: { name: key.declared.name, in: key.declared.in } } : {}),
  };
}

function locationRecord(location: SourceLocation): SourceLocation {
  return {
    file: location.file,
    line: location.line,
    column: location.column,
    endLine: location.endLine,
    endColumn: location.endColumn,
  };
}

function problemRecord(problem: InputProblem): InputProblem {
  return { path: problem.path, kind: problem.kind, reason: problem.reason, analysed: problem.analysed };
}

function statsRecord(stats: ScanStats): ScanStats {
  return {
    filesConsidered: stats.filesConsidered,
    filesParsed: stats.filesParsed,
    filesSkippedByPrefilter: stats.filesSkippedByPrefilter,
    bytesRead: stats.bytesRead,
    emptyFiles: stats.emptyFiles,
  };
}

export function ruleRecord(rule: RuleInfo): JsonReportRule {
  return { id: rule.id, description: rule.description, severity: rule.severity, confidence: rule.confidence };
}
