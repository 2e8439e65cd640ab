// The pfnmap-lookups table (data/knowledge/pfnmap-lookups.txt): PFNMAP/IO
// lookups and the calls that convert, check, take or drop what they return.

import type { SyntaxNode } from '../../src/frontend/parse';
import { calleeName } from '../../src/frontend/syntax';
import { badRow, defineTable, KnowledgeRow, KnowledgeTable } from '../../src/knowledge';

export type PfnmapRole =
  | 'lookup-pte'
  | 'lookup-pfn'
  | 'lookup-phys'
  | 'lookup-args'
  | 'pte-value'
  | 'same'
  | 'pte-pfn'
  | 'phys-pfn'
  | 'pfn-phys'
  | 'pfn-page'
  | 'phys-page'
  | 'page-pfn'
  | 'refcounted-page'
  | 'check-pfn'
  | 'check-page'
  | 'try-get-pfn'
  | 'get-page'
  | 'put-page'
  | 'get-pfn'
  | 'put-pfn';

const ROLES: readonly PfnmapRole[] = [
  'lookup-pte', 'lookup-pfn', 'lookup-phys', 'lookup-args', 'pte-value', 'same', 'pte-pfn', 'phys-pfn', 'pfn-phys',
  'pfn-page', 'phys-page', 'page-pfn', 'refcounted-page', 'check-pfn', 'check-page', 'try-get-pfn',
  'get-page', 'put-page', 'get-pfn', 'put-pfn',
];

export interface PfnmapRow {
  name: string;
  role: PfnmapRole;
  argument: number;
  what: string;
  /** lookup-args: the field that receives the pfn. */
  field?: string;
  origin: string;
}

/** What a kind of value is, in words. */
export type Kind = 'ptep' | 'pte' | 'pfn' | 'phys' | 'page';

export const pfnmapLookupsTable = defineTable({
  name: 'pfnmap-lookups',
  columns: 'role, argument, "what the call does", options (field=NAME)',
  parse: parseRow,
});

export class PfnmapTable {
  constructor(
    private readonly table: KnowledgeTable<PfnmapRow>,
    /** For a conditional acquire on a page or folio: the argument holding it. */
    private readonly conditionalPageAcquire: (name: string) => number | undefined,
  ) {}

  roleOf(call: SyntaxNode): PfnmapRow | undefined {
    const name = calleeName(call);
    return name ? this.table.get(name) : undefined;
  }

  conditionalAcquireArgument(call: SyntaxNode): number | undefined {
    const name = calleeName(call);
    return name ? this.conditionalPageAcquire(name) : undefined;
  }

  /** Whether a body calls a lookup: the walk is needed only then. */
  hasLookup(body: SyntaxNode): boolean {
    return body.descendantsOfType('call_expression').some((call) => this.roleOf(call)?.role.startsWith('lookup-'));
  }
}

function parseRow(raw: KnowledgeRow, name: string): PfnmapRow {
  const [role, argument, what, ...options] = raw.fields;
  if (!ROLES.includes(role as PfnmapRole)) badRow(`role '${role ?? ''}' is not one of ${ROLES.join(', ')}`);
  if (!/^\d+$/.test(argument ?? '')) badRow(`argument '${argument ?? ''}' is not an argument number`);
  const row: PfnmapRow = { name, role: role as PfnmapRole, argument: Number(argument), what: what ?? '', origin: raw.origin };
  for (const option of options) {
    const m = /^field=(\w+)$/.exec(option);
    if (!m) badRow(`unknown option '${option}'`);
    row.field = m![1];
  }
  if (row.role === 'lookup-args' && !row.field) badRow('a lookup-args row needs field=NAME');
  return row;
}

