// Plain data passed between the stages: front end -> rules -> reporters.
// Nothing here touches I/O or tree-sitter, so every stage can share it.

export type Severity = 'error' | 'warning' | 'info';
export type Confidence = 'high' | 'medium' | 'low';

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
export const CONFIDENCE_RANK: Record<Confidence, number> = { low: 0, medium: 1, high: 2 };

/** A place in a file. Lines and columns are 1-based; columns count UTF-8 bytes, as gcc does. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One step of the evidence chain that leads to a finding. */
export interface EvidenceStep {
  location: SourceLocation;
  message: string;
  /** The source line the step is on, without its trailing newline (reporters convert columns with it). */
  sourceLine?: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  confidence: Confidence;
  /** One specific line. */
  message: string;
  location: SourceLocation;
  /** The source line the finding is on, without its trailing newline. */
  sourceLine: string;
  /** Name of the enclosing function, if any. */
  functionName?: string;
  evidence: EvidenceStep[];
  /** What to do about it. */
  fix: string;
  /** Stable identity that survives line shifts: rule, function and normalised code. */
  fingerprint: string;
  /** Accepted by an inline `patch-audit-ignore` comment: it does not fail the run. */
  suppression?: FindingSuppression;
  /** With a baseline: 'unchanged' (recorded there, does not fail the run) or 'new'. */
  baselineState?: BaselineState;
  /** What makes another finding of this rule the same bug elsewhere (diff's unfixed siblings). */
  siblingKey?: SiblingKey;
}

/**
 * The identity of a bug apart from where it is: findings of one rule with
 * equal `id`s are siblings. The rest tells the diff mode where to look, from
 * the tree's index, before reading any file.
 */
export interface SiblingKey {
  /** Compared for equality within a rule: "usbnet_get_endpoints()", "struct kvm.mmu_invalidate_seq". */
  id: string;
  /** Why two findings with this key match, completing "both ...": "drop the result of usbnet_get_endpoints()". */
  reason: string;
  /** Functions a sibling's file calls, every one of them (the index's call records). */
  calls?: string[];
  /** The result of calls[0] is dropped somewhere in a sibling's file (the call records count dropped results). */
  dropsResult?: boolean;
  /** A struct member or a global: a sibling's file is, or includes, the file declaring it, and mentions the name. */
  declared?: { name: string; in: string };
}

export interface FindingSuppression {
  reason: string;
  /** Line of the comment. */
  line: number;
}

export type BaselineState = 'new' | 'unchanged';

/** A suppression comment that is wrong, or (when asked) one that matched nothing. */
export interface SuppressionProblem {
  file: string;
  line: number;
  column: number;
  kind: 'no-rule' | 'unknown-rule' | 'no-reason' | 'unused';
  message: string;
}

/** One accepted finding in a baseline file. */
export interface BaselineEntry {
  rule: string;
  /** Relative to the baseline file's directory, '/' separators. */
  file: string;
  /** The finding's fingerprint without its occurrence number. */
  fingerprint: string;
  /** How many findings of the file share it (when more than one). */
  count?: number;
  /** For humans reading the file; not matched. */
  message: string;
}

/** What suppressions and the baseline did to a run. */
export interface GatingSummary {
  /** Findings accepted by suppression comments (left out of text and JSON unless asked for). */
  suppressed: number;
  suppressionProblems: SuppressionProblem[];
  baseline?: {
    file: string;
    /** Findings found in the baseline. */
    unchanged: number;
    /** Entries that matched no finding any more. */
    stale: BaselineEntry[];
  };
}

/** Why a file, or a path given on the command line, could not be analysed (fully). */
export type InputProblemKind =
  | 'missing'
  | 'unreadable'
  | 'symlink-loop'
  | 'binary'
  | 'not-utf8'
  | 'too-large'
  | 'not-c-source'
  | 'internal-error';

export interface InputProblem {
  path: string;
  kind: InputProblemKind;
  /** Human-readable reason, e.g. "contains NUL bytes (binary file)". */
  reason: string;
  /** True when the file was still analysed (e.g. non-UTF-8 text decoded as Latin-1). */
  analysed: boolean;
}

/** What a reporter needs to know about a rule: its metadata, never its code. */
export interface RuleInfo {
  id: string;
  description: string;
  category: string;
  severity: Severity;
  confidence: Confidence;
  references: string[];
  /** The rule's Markdown documentation (rules/<id>.md). */
  docs: string;
}

export interface ScanStats {
  filesConsidered: number;
  filesParsed: number;
  filesSkippedByPrefilter: number;
  bytesRead: number;
  emptyFiles: number;
}

export interface ScanResult {
  findings: Finding[];
  problems: InputProblem[];
  stats: ScanStats;
  /** Rules that were run. */
  rules: RuleInfo[];
  /** Present when suppressions or a baseline were in play. */
  gating?: GatingSummary;
  /** `scan --shard i/N`: this result covers one part of the input (`patch-audit merge` puts the parts together). */
  shard?: { index: number; count: number };
}
