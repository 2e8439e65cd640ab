// GitHub code scanning rejects a run of more than 25,000 results. The cap
// (--sarif-max-results) keeps the most severe and most certain findings.

import { CONFIDENCE_RANK, SEVERITY_RANK, type Finding } from '../model';

export const CODE_SCANNING_RESULT_LIMIT = 25_000;

export interface Capped<T> {
  /** The items kept, in their input order. */
  kept: T[];
  omitted: number;
}

/** The `max` items whose findings rank highest (severity, then confidence, then input order); all when `max` is undefined. */
export function capByImportance<T>(items: readonly T[], max: number | undefined, findingOf: (item: T) => Pick<Finding, 'severity' | 'confidence'>): Capped<T> {
  if (max === undefined || items.length <= max) return { kept: [...items], omitted: 0 };
  const importance = (item: T) => {
    const finding = findingOf(item);
    return SEVERITY_RANK[finding.severity] * 10 + CONFIDENCE_RANK[finding.confidence];
  };
  const chosen = items
    .map((item, index) => ({ index, importance: importance(item) }))
    .sort((a, b) => b.importance - a.importance || a.index - b.index)
    .slice(0, max)
    .map((entry) => entry.index)
    .sort((a, b) => a - b);
  return { kept: chosen.map((index) => items[index]!), omitted: items.length - max };
}

/** The text of the notification put in a capped run. */
export function cappedMessage(kept: number, omitted: number): string {
  return `${omitted} of ${kept + omitted} results left out by --sarif-max-results ${kept} (the most severe and most certain were kept)`;
}

/** Notices for standard error ("warning: ...", "note: ...") about the number of results a SARIF log holds. */
export function sarifVolumeNotices(results: number, max: number | undefined): string[] {
  const notices: string[] = [];
  if (max !== undefined && results > max) notices.push(`note: ${cappedMessage(max, results - max)}`);
  const written = max === undefined ? results : Math.min(results, max);
  if (written > CODE_SCANNING_RESULT_LIMIT) {
    notices.push(
      `warning: ${written} SARIF results: GitHub code scanning rejects a run of more than ${CODE_SCANNING_RESULT_LIMIT}; ` +
        `cap them with --sarif-max-results ${CODE_SCANNING_RESULT_LIMIT}, or raise --min-confidence`,
    );
  }
  return notices;
}
