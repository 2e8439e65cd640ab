// A rule's pre-filter identifiers: the names it lists in `requires`, and the
// names of the knowledge rows it selects there (built-in and the user's), so a
// row added with --knowledge reaches the pre-filter too.

import { isGlob, Knowledge } from '../knowledge';
import type { RuleDefinition } from '../rule';

export function requiredIdentifiers(rule: Pick<RuleDefinition, 'requires'>, knowledge: Knowledge): string[] {
  const names = new Set<string>();
  for (const required of rule.requires) {
    if (typeof required === 'string') {
      names.add(required);
      continue;
    }
    // A glob row names no identifier a file could be searched for.
    for (const { raw, row } of knowledge.table(required.table).rows) if (!isGlob(raw.pattern) && required.which(row)) names.add(raw.pattern);
  }
  return [...names];
}
