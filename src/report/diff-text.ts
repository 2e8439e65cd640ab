// The diff mode in the layout of scripts/checkpatch.pl --show-types: per patch a
// header, one block per finding or problem, and a summary line; then a total.
//
// Words, and why:
// - Introduced findings keep checkpatch's own levels (ERROR/WARNING/CHECK), so the
//   scripts and editor integrations that grep "^(ERROR|WARNING|CHECK):" see exactly
//   what the patch adds, as they would with checkpatch.
// - Fixed findings start with "FIXED:" and existing ones with "EXISTING:" instead of
//   a level: they are not something to act on in this patch, so they must not be
//   counted by those greps. Their severity is kept in the note under them, with the
//   side the location is on (fixed ones point into the pre-image: the file before
//   the patch, which the reader no longer has open).
// - The source line is prefixed as in a diff, with what the patch did to that line:
//   '+' added, '-' removed, ' ' unchanged. A fixed finding on a line the patch did
//   not touch is therefore ' ', not '-': a '-' would claim the patch removes it.

import type { AuditedFinding, DiffResult, PatchAudit, PatchProblem, PatchSource } from '../diff/model';
import { CHECKPATCH_LEVEL, checkpatchType, evidenceLines, type CheckpatchLevel } from './checkpatch';
import { printable } from './common';
import { countStates } from './diff-json';
import { siblingParagraphs } from './siblings-text';

export interface DiffTextOptions {
  color?: boolean;
}

type Tag = CheckpatchLevel | 'FIXED' | 'EXISTING';
type Style = Tag | 'header';

// gcc's colours for the levels (error red, warning magenta, note cyan); green for what got fixed.
const SGR: Record<Style, string> = {
  ERROR: '01;31',
  WARNING: '01;35',
  CHECK: '01;36',
  FIXED: '01;32',
  EXISTING: '01',
  header: '01',
};

type Paint = (style: Style, text: string) => string;

const plain: Paint = (_style, text) => text;
const ansi: Paint = (style, text) => `\x1b[${SGR[style]}m${text}\x1b[0m`;

export function renderDiffText(result: DiffResult, options: DiffTextOptions = {}): string {
  const paint = options.color ? ansi : plain;
  const showExisting = result.patches.some((audit) => audit.findings.some((audited) => audited.state === 'existing'));
  // Paragraphs are separated by one blank line, as checkpatch separates its blocks.
  // A partial audit is said on standard error (diffNotices) and in the total line.
  const paragraphs: string[][] = [];
  for (const audit of result.patches) {
    paragraphs.push([...patchHeader(audit.patch, paint), ...(audit.typesFrom === undefined ? [] : [`types at ${printable(audit.typesFrom)}`])]);
    for (const audited of audit.findings) paragraphs.push(findingBlock(audited, paint));
    paragraphs.push(...siblingParagraphs(audit));
    for (const problem of audit.problems) paragraphs.push(problemBlock(problem, paint));
    paragraphs.push([patchSummary(audit, showExisting)]);
  }
  for (const problem of result.problems) paragraphs.push(problemBlock(problem, paint));
  paragraphs.push([totalLine(result, showExisting)]);
  return paragraphs.map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

/** The subject as written, then where the patch came from: "(label, patch 2/3, commit 1a2b3c4d5e6f)". */
function patchHeader(patch: PatchSource, paint: Paint): string[] {
  const lines = [paint('header', printable(patch.subject))];
  const origin: string[] = [];
  // The subject is the label when the patch has none; do not say it twice.
  if (patch.label !== patch.subject) origin.push(printable(patch.label));
  if (patch.total > 1) origin.push(`patch ${patch.index}/${patch.total}`);
  if (patch.commit !== undefined) {
    const commit = shortCommit(patch.commit);
    if (!patch.label.includes(commit)) origin.push(`commit ${printable(commit)}`);
  }
  if (origin.length > 0) lines.push(`(${origin.join(', ')})`);
  return lines;
}

/** 12 hex digits, as kernel Fixes: tags abbreviate; a range or anything else is kept whole. */
function shortCommit(commit: string): string {
  return /^[0-9a-f]{40}$/i.test(commit) ? commit.slice(0, 12) : commit;
}

function findingBlock(audited: AuditedFinding, paint: Paint): string[] {
  const { finding, state } = audited;
  const level = CHECKPATCH_LEVEL[finding.severity];
  const tag: Tag = state === 'introduced' ? level : state === 'fixed' ? 'FIXED' : 'EXISTING';
  const { file, line } = finding.location;
  const where = `FILE: ${printable(file)}:${line}:`;
  const lines = [
    `${paint(tag, `${tag}:${checkpatchType(finding.ruleId)}:`)} ${printable(finding.message)}`,
    audited.patchLine === undefined ? where : `#${audited.patchLine}: ${where}`,
  ];
  if (finding.sourceLine !== '') lines.push(`${linePrefix(audited)}${printable(finding.sourceLine)}`);
  if (state === 'fixed') lines.push(`    fixed by this patch (was ${level}); lines are of the pre-image, before the patch`);
  if (state === 'existing') lines.push(`    existing before this patch (${level}); not introduced by it`);
  if (finding.suppression) lines.push(`    suppressed at line ${finding.suppression.line}: ${printable(finding.suppression.reason)}`);
  lines.push(...evidenceLines(finding));
  return lines;
}

/** What the patch did to the finding's line, as a diff prints it. */
function linePrefix(audited: AuditedFinding): '+' | '-' | ' ' {
  if (!audited.onChangedLine) return ' ';
  return audited.state === 'fixed' ? '-' : '+';
}

/**
 * A problem that kept the patch (or the file) from being applied is an ERROR; one it
 * was applied despite (a binary section skipped) is a CHECK, as checkpatch rates notes.
 */
function problemBlock(problem: PatchProblem, paint: Paint): string[] {
  const level: CheckpatchLevel = problem.applied ? 'CHECK' : 'ERROR';
  const lines = [`${paint(level, `${level}:PATCH_${checkpatchType(problem.kind)}:`)} ${printable(problem.reason)}`];
  const outcome = problem.applied ? 'applied' : 'not applied';
  if (problem.file === undefined) {
    // Nothing in the tree to point at: the place is in the patch input itself.
    const at = problem.patchLine === undefined ? '' : `, line ${problem.patchLine}`;
    lines.push(`    patch: ${printable(problem.patch)}${at} (${outcome})`);
    return lines;
  }
  const at = problem.patchLine === undefined ? '' : `#${problem.patchLine}: `;
  const hunk = problem.hunk === undefined ? '' : `, hunk #${problem.hunk}`;
  lines.push(`${at}FILE: ${printable(problem.file)}${hunk}`);
  lines.push(`    patch: ${printable(problem.patch)} (${outcome})`);
  return lines;
}

function patchSummary(audit: PatchAudit, showExisting: boolean): string {
  const counts = countStates(audit.findings);
  let summary = `${counts.introduced} introduced, ${counts.fixed} fixed`;
  if (showExisting) summary += `, ${counts.existing} existing`;
  if (audit.suppressed) summary += `, ${audit.suppressed} suppressed`;
  if (audit.status === 'not-applied') summary += ', not applied';
  if (audit.status === 'no-diff') summary += ', nothing to apply';
  return summary;
}

function totalLine(result: DiffResult, showExisting: boolean): string {
  const counts = countStates(result.patches.flatMap((audit) => audit.findings));
  const patches = result.patches.length;
  let total = `total: ${counts.introduced} introduced, ${counts.fixed} fixed`;
  if (showExisting) total += `, ${counts.existing} existing`;
  total += ` in ${patches} ${patches === 1 ? 'patch' : 'patches'}`;
  const notes: string[] = [];
  const notApplied = result.patches.filter((audit) => audit.status === 'not-applied').length;
  const noDiff = result.patches.filter((audit) => audit.status === 'no-diff').length;
  if (notApplied > 0) notes.push(`${notApplied} not applied`);
  if (noDiff > 0) notes.push(`${noDiff} with nothing to apply`);
  if (result.partial) notes.push('partial audit: hunks only, no tree');
  return notes.length > 0 ? `${total} (${notes.join('; ')})` : total;
}
