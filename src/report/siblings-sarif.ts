// Unfixed siblings in the diff SARIF: for each fixed finding with siblings, one
// note-level result in the same run, located at the first sibling, with every
// sibling as a relatedLocation. One run rather than a second one: code scanning
// refuses an upload holding two runs of one tool and category, and a note keeps
// the siblings beside the rule metadata they share.

import { createHash } from 'node:crypto';
import type * as Sarif from 'sarif';
import type { AuditedFinding, PatchAudit } from '../diff/model';
import { oneLine, sarifResult } from './sarif';

/** partialFingerprints key of a sibling note: the rule, the key, and the fixed finding. */
export const SIBLINGS_FINGERPRINT_KEY = 'patchAuditSiblings/v1';

export function siblingResults(audit: PatchAudit, ruleIndexes: ReadonlyMap<string, number>, patch: Record<string, unknown>): Sarif.Result[] {
  return audit.findings.flatMap((audited) => (audited.siblings && audited.siblings.findings.length > 0 ? [siblingNote(audited, ruleIndexes, patch)] : []));
}

function siblingNote(fixed: AuditedFinding, ruleIndexes: ReadonlyMap<string, number>, patch: Record<string, unknown>): Sarif.Result {
  const { finding } = fixed;
  const siblings = fixed.siblings!;
  const ruleIndex = ruleIndexes.get(finding.ruleId);
  const located = siblings.findings.map((sibling) => sarifResult(sibling, ruleIndex).locations![0]);
  const count = siblings.findings.length;
  const more = siblings.complete ? '' : ' (the search stopped at its time bound: there may be more)';
  const text =
    `${count} unfixed sibling${count === 1 ? '' : 's'} of the ${finding.ruleId} finding this patch fixes at ` +
    `${finding.location.file}:${finding.location.line} (before the patch): like it, they ${siblings.key.reason}${more}`;
  return {
    ruleId: finding.ruleId,
    ...(ruleIndex === undefined ? {} : { ruleIndex }),
    kind: 'review',
    level: 'note',
    message: { text: oneLine(text) },
    locations: [located[0]],
    relatedLocations: siblings.findings.map((sibling, i) => ({ id: i + 1, ...located[i], message: { text: oneLine(sibling.message) } })),
    partialFingerprints: {
      [SIBLINGS_FINGERPRINT_KEY]: createHash('sha1').update(`${finding.ruleId}\0${siblings.key.id}\0${finding.fingerprint}`).digest('hex').slice(0, 16),
    },
    properties: {
      state: 'unfixed-siblings',
      siblingKey: siblings.key.id,
      fixed: { file: finding.location.file, line: finding.location.line, fingerprint: finding.fingerprint, image: 'pre' },
      siblings: siblings.findings.map((sibling) => ({ file: sibling.location.file, line: sibling.location.line, fingerprint: sibling.fingerprint, confidence: sibling.confidence })),
      complete: siblings.complete,
      patch,
    },
  };
}
