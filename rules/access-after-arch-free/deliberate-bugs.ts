// Code that commits memory bugs on purpose: crash tests (LKDTM) and test
// modules that exercise the kernel's own bug detectors. A finding there is
// the test doing its job; it ranks low, with the path table's reason.

import { badRow, defineTable, KnowledgeRow, KnowledgeTable, noExtraColumns } from '../../src/knowledge';

export interface DeliberateBugRow {
  why: string;
}

export const deliberateBugPathsTable = defineTable({
  name: 'deliberate-bug-paths',
  columns: '"why the code there does it on purpose" (the name column is a glob matched against each folder of the path and the file name without its extension)',
  parse(row: KnowledgeRow): DeliberateBugRow {
    const [why, ...extra] = row.fields;
    if (!why) badRow('the row does not say why the bug is deliberate there');
    noExtraColumns(extra);
    return { why };
  },
});

/** The "ranked low" step for a finding in a file whose bugs are deliberate, or null. */
export function deliberateBugStep(path: string, table: KnowledgeTable<DeliberateBugRow>): string | null {
  const parts = path.replace(/\\/g, '/').split('/');
  parts.push(parts.pop()!.replace(/\.[ch]$/, ''));
  const part = parts.find((p) => table.lookup(p));
  if (part === undefined) return null;
  return `ranked low: ${path} is ${table.get(part)!.why} (${table.lookup(part)!.origin}): the access is the test doing its job`;
}
