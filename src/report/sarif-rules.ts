// What GitHub code scanning ranks and groups rules by: security-severity, tags,
// precision and problem.severity, all read from a rule's properties, plus helpUri.

import type * as Sarif from 'sarif';
import type { Confidence, RuleInfo, Severity } from '../model';
import { firstDocsParagraph } from './common';

export const SARIF_LEVEL: Record<Severity, Sarif.Result.level> = { error: 'error', warning: 'warning', info: 'note' };

// Code scanning's bands: over 9.0 critical, 7.0 to 8.9 high, 4.0 to 6.9 medium, 0.1 to 3.9 low.
// Every rule finds kernel memory or refcount corruption, or a failure path that leads to it,
// so an error is a high-severity security problem and a warning a medium one.
const SECURITY_SEVERITY: Record<Severity, string> = { error: '8.0', warning: '5.5', info: '2.0' };

const PRECISION: Record<Confidence, string> = { high: 'high', medium: 'medium', low: 'low' };

// code scanning's problem.severity has no "info": "recommendation" is its lowest level.
const PROBLEM_SEVERITY: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'recommendation' };

/** "use-after-free" -> "UseAfterFree". */
export function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join('');
}

/**
 * A rule as code scanning reads it. `helpUriBase` is the folder of the rule docs
 * (ends with '/'); the rule's helpUri is `<base><id>.md`.
 */
export function ruleDescriptor(rule: RuleInfo, helpUriBase?: string): Sarif.ReportingDescriptor {
  const docs = rule.docs.trim() === '' ? rule.description : rule.docs;
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.description },
    fullDescription: { text: firstDocsParagraph(rule.docs) || rule.description },
    ...(helpUriBase === undefined ? {} : { helpUri: `${helpUriBase}${encodeURIComponent(rule.id)}.md` }),
    help: { text: docs, markdown: docs },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: {
      category: rule.category,
      confidence: rule.confidence,
      // "security" makes code scanning show security-severity; the category groups the rules.
      tags: ['security', 'linux-kernel', rule.category],
      precision: PRECISION[rule.confidence],
      'problem.severity': PROBLEM_SEVERITY[rule.severity],
      'security-severity': SECURITY_SEVERITY[rule.severity],
    },
  };
}
