// Plain data of the diff mode: patches as read, what applying them did, and
// the audit of each. Nothing here touches I/O, so readers, the applier, the
// auditor and the reporters can share it.

import type { Finding, RuleInfo, SiblingKey } from '../model';

/** The default time bound of a run's search for unfixed siblings, in seconds. */
export const DEFAULT_SIBLING_SECONDS = 5;

/** One patch of the input: a file, one message of an mbox, or one commit of a git range. */
export interface PatchSource {
  /** 1-based position in the series. */
  index: number;
  /** Patches in the series (cover letters not counted). */
  total: number;
  /** Where it came from, for messages: "fix.patch", "series.mbox (message 3)", "git 1a2b3c4d5e6f". */
  label: string;
  /** The subject line, "[PATCH 2/3] ..." prefix kept as written; the label when there is none. */
  subject: string;
  /** The commit id from the "From <sha> ..." line of format-patch, or the git range. */
  commit?: string;
  /** The From: header. */
  author?: string;
  /** The diff part: everything from the first "diff --git" or "--- " line on. */
  diff: string;
  /** Line number, in the input file, of the first line of `diff` (checkpatch's "#N:" counts from it). */
  diffLine: number;
}

/** One line of a hunk. `noNewline`: a "\ No newline at end of file" marker followed it. */
export interface HunkLine {
  kind: ' ' | '-' | '+';
  text: string;
  noNewline?: boolean;
  /** Line number in the input (patch file or mbox) of this line. */
  patchLine: number;
}

export interface Hunk {
  /** 1-based number of the hunk within its file. */
  number: number;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The "@@ -a,b +c,d @@ context" line as written. */
  header: string;
  lines: HunkLine[];
}

/** One file's part of a patch, after path checks. Paths are tree-relative with '/' separators, prefixes (a/, b/) removed. */
export interface FilePatch {
  /** null: the file is created (--- /dev/null). */
  oldPath: string | null;
  /** null: the file is deleted (+++ /dev/null). */
  newPath: string | null;
  hunks: Hunk[];
  /** "GIT binary patch" or "Binary files ... differ": the content change cannot be applied as text. */
  binary: boolean;
  /** Only modes or the name changed (rename or copy with 100% similarity, chmod). */
  renameOnly?: boolean;
  /** Line number of the section's first line in the input. */
  patchLine: number;
}

export type PatchProblemKind =
  | 'malformed' // the patch text cannot be read as a diff
  | 'empty' // no diff in it (a cover letter is skipped silently, not reported)
  | 'too-large'
  | 'binary' // a binary file section: skipped, the rest applied
  | 'unsafe-path' // absolute, '..', or through a symlink that leaves the tree
  | 'missing-file'
  | 'file-exists'
  | 'context-mismatch'
  | 'already-applied'
  | 'fuzz' // a hunk applied only with context lines ignored (diff --fuzz): applied, and said
  | 'not-utf8'
  | 'unreadable'
  | 'internal-error' // a rule failed on a touched file: its findings there are missing
  | 'suppression'; // an added suppression comment names no rule, an unknown rule or no reason

export interface PatchProblem {
  kind: PatchProblemKind;
  /** The patch's label. */
  patch: string;
  /** The file the problem is about, as the patch names it. */
  file?: string;
  /** 1-based hunk number within the file. */
  hunk?: number;
  /** Line in the input where the file section or hunk starts. */
  patchLine?: number;
  reason: string;
  /** False when the patch (or the file) was not applied because of it. */
  applied: boolean;
}

/** A finding of the audit, with which side it was found on. */
export type FindingState = 'introduced' | 'fixed' | 'existing';

export interface AuditedFinding {
  state: FindingState;
  finding: Finding;
  /** The line of the input (patch or mbox) the finding's line was added ('+') or removed ('-') on, when it was. */
  patchLine?: number;
  /** The finding's line is an added line (introduced, existing) or a removed line (fixed) of this patch. */
  onChangedLine: boolean;  /** A fixed finding's unfixed siblings, when the sibling search ran for it. */
  siblings?: UnfixedSiblings;
}

/** Findings of the same rule and sibling key as a fixed one, elsewhere in the tree after the patch. */
export interface UnfixedSiblings {
  key: SiblingKey;
  /** In file and line order. */
  findings: Finding[];
  /** False: the time bound stopped the search before every candidate file was analysed. */
  complete: boolean;
}

/** What the sibling search of one patch did. */
export interface SiblingSearchSummary {
  /** Files the index named for the fixed findings' keys (and the patched images that qualify). */
  candidates: number;
  /** Of those, the files looked at before the time bound (read, and analysed when they mention the key). */
  searched: number;
  complete: boolean;
}

export type PatchStatus =
  | 'audited' // applied, and its touched files were analysed
  | 'not-applied' // some file did not apply: nothing of the patch is applied (like git am)
  | 'no-diff'; // nothing to apply (malformed or empty)

export interface PatchAudit {
  patch: PatchSource;
  status: PatchStatus;
  /** Touched files, post-image paths (pre-image for deletions). */
  files: string[];
  /** Introduced first, then fixed, then existing (when asked for); each in file and line order. */
  findings: AuditedFinding[];
  problems: PatchProblem[];
  /** Introduced findings accepted by suppression comments and left out of `findings` (--show-suppressed keeps them). */
  suppressed?: number;
  /** Where the types came from, when not from the tree on disk as it is (a git range: each commit's parent). */
  typesFrom?: string;
  /** Present when unfixed siblings were searched for (a tree with an index, fixed findings with a key). */
  siblingSearch?: SiblingSearchSummary;
}

export interface DiffResult {
  patches: PatchAudit[];
  /** Problems of the input as a whole (an unreadable mbox, a bad git range). */
  problems: PatchProblem[];
  /** No tree: only the hunks were analysed. */
  partial: boolean;
  /** The tree the patches were applied to, when there was one. */
  tree?: string;
  /** The sibling search's time bound, in seconds, when it ran. */
  siblingSeconds?: number;
  rules: RuleInfo[];
}
