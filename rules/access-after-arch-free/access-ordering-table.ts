// The access-ordering knowledge table (data/knowledge/access-ordering.txt):
// which calls revoke access to a page's contents, grant it back, touch the
// contents or give their address, and which argument holds the page. Read by
// rules of the form "after A(page), no B(page)".

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments, calleeName, normaliseKey } from '../../src/frontend/syntax';
import { badRow, defineTable, KnowledgeRow, KnowledgeTable } from '../../src/knowledge';
import type { Confidence } from '../../src/model';

type Role = 'revoke' | 'access' | 'grant' | 'address';

/** Where a call's page is: argument N is the page, or an address inside its contents, or any argument that is such an address. */
type PageArgument = { kind: 'page'; index: number } | { kind: 'address'; index: number } | { kind: 'any-address' };

export interface OrderingRow {
  role: Role;
  /** The role when the conditions do not hold; none when absent. */
  otherwise?: Role;
  conditions: { index: number; literal: string }[];
  pageArguments: PageArgument[];
  what: string;
  /** When the page is the same expression at both calls. */
  confidence: Confidence;
  origin: string;
}

const ROLES: readonly Role[] = ['revoke', 'access', 'grant', 'address'];
const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];

export const accessOrderingTable = defineTable({
  name: 'access-ordering',
  columns: 'role, argument, "what the call does", options (argN=V, else=ROLE, confidence=C)',
  parse: parseOrderingRow,
});

export class OrderingTable {
  constructor(private readonly table: KnowledgeTable<OrderingRow>) {}

  /** What this call does to a page, its conditions applied; undefined when the table does not know it. */
  roleOf(call: SyntaxNode): { row: OrderingRow; role: Role } | undefined {
    const name = calleeName(call);
    const row = name ? this.table.get(name) : undefined;
    if (!row) return undefined;
    const args = callArguments(call);
    const holds = row.conditions.every((c) => args[c.index] !== undefined && normaliseKey(args[c.index].text) === c.literal);
    const role = holds ? row.role : row.otherwise;
    return role ? { row, role } : undefined;
  }
}

/** Whether a body calls anything the table says revokes: the walk is needed only then. */
export function callsARevoker(body: SyntaxNode, ordering: OrderingTable): boolean {
  return body.descendantsOfType('call_expression').some((call) => ordering.roleOf(call)?.role === 'revoke');
}

function parseOrderingRow(raw: KnowledgeRow): OrderingRow {
  const [role, argument, what, ...options] = raw.fields;
  if (!isRole(role)) badRow(`role '${role ?? ''}' is not one of ${ROLES.join(', ')}`);
  if (what === undefined) badRow('the row says nothing about what the call does');
  const row: OrderingRow = {
    role: role as Role,
    conditions: [],
    pageArguments: parsePageArguments(argument) ?? badRow(`argument '${argument}' is not N, N,M, addr:N or *`),
    what,
    confidence: 'medium',
    origin: raw.origin,
  };
  for (const option of options) {
    const condition = /^arg(\d+)=(.+)$/.exec(option);
    const [key, value] = option.split('=');
    if (condition) row.conditions.push({ index: Number(condition[1]), literal: normaliseKey(condition[2]) });
    else if (key === 'else' && isRole(value)) row.otherwise = value;
    else if (key === 'confidence' && CONFIDENCES.includes(value as Confidence)) row.confidence = value as Confidence;
    else badRow(`option '${option}' is not argN=V, else=<role> or confidence=<high|medium|low>`);
  }
  return row;
}

function parsePageArguments(text: string | undefined): PageArgument[] | undefined {
  if (text === '*') return [{ kind: 'any-address' }];
  const address = /^addr:(\d+)$/.exec(text ?? '');
  if (address) return [{ kind: 'address', index: Number(address[1]) }];
  if (!/^\d+(,\d+)*$/.test(text ?? '')) return undefined;
  return text!.split(',').map((n) => ({ kind: 'page', index: Number(n) }));
}

function isRole(word: string | undefined): word is Role {
  return ROLES.includes(word as Role);
}
