// The unfixed siblings in the diff JSON document: a field of each fixed finding
// that has a sibling key, and what the search did, per patch.

import type { SiblingSearchSummary, UnfixedSiblings } from '../diff/model';
import type { Finding, SiblingKey } from '../model';
import { findingRecord, siblingKeyRecord } from './json';

export type JsonSibling = Finding & {
  /** One line: why this finding is the same bug as the fixed one. */
  reason: string;
};

export interface JsonUnfixedSiblings {
  key: SiblingKey;
  count: number;
  /** False: the time bound stopped the search; there may be more. */
  complete: boolean;
  siblings: JsonSibling[];
}

export function unfixedSiblingsRecord(siblings: UnfixedSiblings): JsonUnfixedSiblings {
  const reason = `same rule and key (${siblings.key.id}) as the fixed finding: both ${siblings.key.reason}`;
  return {
    key: siblingKeyRecord(siblings.key),
    count: siblings.findings.length,
    complete: siblings.complete,
    siblings: siblings.findings.map((finding) => ({ ...findingRecord(finding), reason })),
  };
}

export function siblingSearchRecord(summary: SiblingSearchSummary): SiblingSearchSummary {
  return { candidates: summary.candidates, searched: summary.searched, complete: summary.complete };
}
