// The unfixed siblings of a patch's fixed findings, as text paragraphs after the
// patch's findings. The tag is not a checkpatch level, so greps for
// "^(ERROR|WARNING|CHECK):" still count only what the patch introduces.

import type { AuditedFinding, DiffResult, PatchAudit, UnfixedSiblings } from '../diff/model';
import { checkpatchType } from './checkpatch';
import { printable } from './common';

/** At most this many siblings are listed per key; JSON has them all. */
const MAX_LISTED = 20;

/** One paragraph per key among the patch's fixed findings (fixed findings sharing a key share their siblings). */
export function siblingParagraphs(audit: PatchAudit): string[][] {
  const byKey = new Map<UnfixedSiblings, AuditedFinding[]>();
  for (const audited of audit.findings) {
    if (!audited.siblings) continue;
    const fixed = byKey.get(audited.siblings);
    if (fixed) fixed.push(audited);
    else byKey.set(audited.siblings, [audited]);
  }
  return [...byKey].map(([siblings, fixed]) => paragraph(siblings, fixed));
}

function paragraph(siblings: UnfixedSiblings, fixed: AuditedFinding[]): string[] {
  const { ruleId } = fixed[0].finding;
  const count = siblings.findings.length;
  const places = fixed.map((f) => `${printable(f.finding.location.file)}:${f.finding.location.line}`).join(', ');
  const more = siblings.complete ? '' : ' or more (the search stopped at its time bound)';
  const lines = [
    `SIBLINGS:${checkpatchType(ruleId)}: ${count} unfixed sibling${count === 1 ? '' : 's'}${more} of the finding${fixed.length === 1 ? '' : 's'} fixed at ${places} (pre-image lines)`,
  ];
  if (count > 0) lines.push(`    why they match: the same rule, and like the fixed one they ${printable(siblings.key.reason)}`);
  for (const sibling of siblings.findings.slice(0, MAX_LISTED)) {
    const where = `${printable(sibling.location.file)}:${sibling.location.line}`;
    const inFunction = sibling.functionName ? ` in ${printable(sibling.functionName)}():` : '';
    lines.push(`    ${where}:${inFunction} ${printable(sibling.message)} [${sibling.confidence}]`);
  }
  if (count > MAX_LISTED) lines.push(`    and ${count - MAX_LISTED} more (-f json lists them all)`);
  return lines;
}

/** The siblings command's report: per fix its subject, its siblings' paragraphs, and a count; then a total. */
export function renderSiblingsText(result: DiffResult): string {
  const paragraphs: string[][] = [];
  let total = 0;
  for (const audit of result.patches) {
    paragraphs.push([printable(audit.patch.subject), ...(audit.patch.label !== audit.patch.subject ? [`(${printable(audit.patch.label)})`] : [])]);
    paragraphs.push(...siblingParagraphs(audit));
    const count = siblingCount(audit);
    total += count;
    const fixed = audit.findings.filter((f) => f.siblings).length;
    paragraphs.push([`${count} unfixed sibling${count === 1 ? '' : 's'} of ${fixed} fixed finding${fixed === 1 ? '' : 's'}${audit.status === 'audited' ? '' : ' (not audited)'}`]);
  }
  const patches = result.patches.length;
  paragraphs.push([`total: ${total} unfixed sibling${total === 1 ? '' : 's'} in ${patches} ${patches === 1 ? 'patch' : 'patches'}`]);
  return paragraphs.map((lines) => lines.join('\n')).join('\n\n') + '\n';
}

/** Distinct unfixed siblings of a patch's fixed findings (fixed findings sharing a key share them). */
export function siblingCount(audit: PatchAudit): number {
  return new Set(audit.findings.flatMap((f) => f.siblings?.findings ?? [])).size;
}
