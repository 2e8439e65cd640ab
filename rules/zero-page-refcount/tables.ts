// The two tables of the zero-page-refcount rule:
// data/knowledge/pfn-refcount-ops.txt (get/put calls, PG_reserved tests,
// zero-page tests, refcountability guards) and data/knowledge/page-lookups.txt
// (gup, pin and KVM's hva_to_pfn family, follow_pfn/follow_pte).

import { badRow, defineTable, noExtraColumns, KnowledgeRow, KnowledgeTable } from '../../src/knowledge';

export type OpRole = 'get' | 'put' | 'reserved' | 'zero' | 'guard';

export interface OpRow {
  role: OpRole;
  /** What the argument is, and which one (null: none matters). */
  argKind: 'page' | 'pages' | 'pfn' | null;
  argIndex: number;
  /** The helper checks refcountability itself (KVM's release helpers). */
  checked: boolean;
  what: string;
  origin: string;
}

const ROLES = new Set<OpRole>(['get', 'put', 'reserved', 'zero', 'guard']);

export const pfnRefcountOpsTable = defineTable({
  name: 'pfn-refcount-ops',
  columns: 'role (get, put, reserved, zero, guard), argument (page:N, pages:N, pfn:N, pfn:N,checked or -), "what the call does"',
  parse: parseOpRow,
});

export class RefcountOps {
  constructor(private readonly table: KnowledgeTable<OpRow>) {}

  row(name: string): OpRow | null {
    return this.table.get(name) ?? null;
  }

  role(name: string): OpRole | null {
    return this.row(name)?.role ?? null;
  }
}

function parseOpRow(row: KnowledgeRow): OpRow {
  const [role, argument = '-', what = '', ...extra] = row.fields;
  if (!ROLES.has(role as OpRole)) badRow(`role '${role ?? ''}' is not one of ${[...ROLES].join(', ')}`);
  const m = /^(page|pages|pfn):(\d+)(,checked)?$/.exec(argument);
  if (!m && argument !== '-') badRow(`argument '${argument}' is not page:N, pages:N, pfn:N, pfn:N,checked or -`);
  noExtraColumns(extra);
  return {
    role: role as OpRole,
    argKind: m ? (m[1] as OpRow['argKind']) : null,
    argIndex: m ? Number(m[2]) : -1,
    checked: !!m?.[3],
    what,
    origin: row.origin,
  };
}

export type LookupReturns = 'page' | 'pfn-ref' | 'pfn-noref' | 'pte-noref';

export interface LookupRow {
  returns: LookupReturns;
  /** -1: the return value; N: argument N; null: not said. */
  where: number | null;
  what: string;
  origin: string;
}

const LOOKUP_RETURNS: readonly LookupReturns[] = ['page', 'pfn-ref', 'pfn-noref', 'pte-noref'];

export const pageLookupsTable = defineTable({
  name: 'page-lookups',
  columns: 'returns (page, pfn-ref, pfn-noref, pte-noref), where (ret, out:N or -), "what the lookup does"',
  parse: parseLookupRow,
});

export class PageLookups {
  constructor(private readonly table: KnowledgeTable<LookupRow>) {}

  row(name: string): LookupRow | null {
    return this.table.get(name) ?? null;
  }
}

function parseLookupRow(row: KnowledgeRow): LookupRow {
  const [returns, where = '-', what = '', ...extra] = row.fields;
  if (!LOOKUP_RETURNS.includes(returns as LookupReturns)) badRow(`returns '${returns ?? ''}' is not one of ${LOOKUP_RETURNS.join(', ')}`);
  const out = /^out:(\d+)$/.exec(where);
  if (!out && where !== 'ret' && where !== '-') badRow(`where '${where}' is not ret, out:N or -`);
  noExtraColumns(extra);
  return { returns: returns as LookupReturns, where: where === 'ret' ? -1 : out ? Number(out[1]) : null, what, origin: row.origin };
}

