// `diff -f checkpatch`: what scripts/checkpatch.pl --show-types prints for a patch,
// so tools that run checkpatch over patches (b4, CI bots, editors) read ours the same way.
// Only what a patch introduces is reported, as checkpatch reports only what a patch adds;
// fixed and existing findings are for the text and JSON reports.
//
// Default form, per patch: blocks ("LEVEL:TYPE: message", "#N: FILE: path:line:", the
// added line, the evidence notes), then "total: E errors, W warnings, L lines checked".
// With several patches, each starts with its label between dashed lines, as checkpatch
// prints each file it is given.
// --terse: one line per finding, "FILE:LINE: LEVEL:TYPE: message", then the total line
// (as checkpatch's --terse --show-types --showfile: the file and line are the source's).

import type { AuditedFinding, DiffResult, PatchAudit, PatchProblem } from '../diff/model';
import { CHECKPATCH_LEVEL, checkpatchType, evidenceLines, type CheckpatchLevel } from './checkpatch';
import { printable } from './common';

export interface DiffCheckpatchOptions {
  terse?: boolean;
  /** checkpatch's --no-summary: no "total:" lines. */
  summary?: boolean;
}

interface Entry {
  level: CheckpatchLevel;
  lines: string[];
}

export function renderDiffCheckpatch(result: DiffResult, options: DiffCheckpatchOptions = {}): string {
  const terse = options.terse ?? false;
  const summary = options.summary ?? true;
  const out: string[] = [];
  const labelled = !terse && result.patches.length > 1;
  for (const audit of result.patches) {
    const entries = patchEntries(audit, terse);
    if (labelled) out.push(dashes(audit.patch.label), printable(audit.patch.label), dashes(audit.patch.label));
    for (const entry of entries) out.push(...entry.lines, ...(terse ? [] : ['']));
    if (summary) out.push(totalLine(entries, linesChecked(audit)), ...(terse ? [] : ['']));
  }
  for (const problem of result.problems) out.push(...problemEntry(problem, terse).lines, ...(terse ? [] : ['']));
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.length === 0 ? '' : out.join('\n') + '\n';
}

function patchEntries(audit: PatchAudit, terse: boolean): Entry[] {
  // A finding a suppression comment accepts does not fail the patch: it is not one of checkpatch's counted lines.
  const introduced = audit.findings.filter((audited) => audited.state === 'introduced' && !audited.finding.suppression);
  return [...introduced.map((audited) => findingEntry(audited, terse)), ...audit.problems.map((problem) => problemEntry(problem, terse))];
}

function findingEntry(audited: AuditedFinding, terse: boolean): Entry {
  const { finding } = audited;
  const level = CHECKPATCH_LEVEL[finding.severity];
  const { file, line } = finding.location;
  const head = `${level}:${checkpatchType(finding.ruleId)}: ${printable(finding.message)}`;
  if (terse) return { level, lines: [`${printable(file)}:${line}: ${head}`] };
  const where = `FILE: ${printable(file)}:${line}:`;
  const lines = [head, audited.patchLine === undefined ? where : `#${audited.patchLine}: ${where}`];
  if (finding.sourceLine !== '') lines.push(`${audited.onChangedLine ? '+' : ' '}${printable(finding.sourceLine)}`);
  lines.push(...evidenceLines(finding));
  return { level, lines };
}

/** A patch or file that did not apply is an ERROR, one that applied with a caveat (fuzz, a binary part skipped) a CHECK. */
function problemEntry(problem: PatchProblem, terse: boolean): Entry {
  const level: CheckpatchLevel = problem.applied ? 'CHECK' : 'ERROR';
  const head = `${level}:PATCH_${checkpatchType(problem.kind)}: ${printable(problem.reason)}`;
  // The line is in the patch, so the terse form names the patch, as checkpatch without --showfile does.
  if (terse) return { level, lines: [`${printable(problem.patch)}:${problem.patchLine ?? 1}: ${head}`] };
  const at = problem.patchLine === undefined ? '' : `#${problem.patchLine}: `;
  return { level, lines: [head, `${at}FILE: ${printable(problem.file ?? problem.patch)}`] };
}

/** checkpatch counts the lines of the patch it read; ours are the diff's lines. */
function linesChecked(audit: PatchAudit): number {
  const diff = audit.patch.diff;
  if (diff === '') return 0;
  return diff.split('\n').length - (diff.endsWith('\n') ? 1 : 0);
}

/** checkpatch's own words ("1 errors" included); checks only when there are some. */
function totalLine(entries: Entry[], lines: number): string {
  const count = (level: CheckpatchLevel) => entries.filter((entry) => entry.level === level).length;
  const checks = count('CHECK') > 0 ? `${count('CHECK')} checks, ` : '';
  return `total: ${count('ERROR')} errors, ${count('WARNING')} warnings, ${checks}${lines} lines checked`;
}

function dashes(label: string): string {
  return '-'.repeat(Math.max(8, Math.min(72, label.length)));
}
