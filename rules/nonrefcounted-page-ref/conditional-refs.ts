// The conditional-refs table (data/knowledge/conditional-refs.txt): calls that
// take a reference only when the count is not already zero, and say whether
// they did (get_page_unless_zero() and its kin), with the calls that drop
// such a reference.

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments, calleeName, normaliseKey } from '../../src/frontend/syntax';
import { badRow, defineTable, KnowledgeRow, KnowledgeTable } from '../../src/knowledge';
import type { Confidence } from '../../src/model';

type ObjectKind = 'page' | 'folio' | 'kref' | 'refcount' | 'atomic';
const OBJECT_KINDS: readonly ObjectKind[] = ['page', 'folio', 'kref', 'refcount', 'atomic'];
const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];

export interface AcquireRow {
  name: string;
  object: ObjectKind;
  /** Of a finding when the result is discarded. */
  confidence: Confidence;
  releases: { pattern: string; regex: RegExp; glob: boolean }[];
  meaning: string;
  argument: number;
  /** atomic: the counter's name must match. */
  names?: RegExp;
  origin: string;
}

export const conditionalRefsTable = defineTable({
  name: 'conditional-refs',
  columns: 'object, confidence, releases, "meaning", options (arg=N, names=RE)',
  parse: parseAcquireRow,
});

export class ConditionalRefs {
  constructor(private readonly table: KnowledgeTable<AcquireRow>) {}

  byName(name: string): AcquireRow | undefined {
    return this.table.get(name);
  }

  /** The row for a call, when the call is a conditional acquire on something that counts references. */
  rowFor(call: SyntaxNode): AcquireRow | undefined {
    const name = calleeName(call);
    const row = name ? this.byName(name) : undefined;
    if (!row) return undefined;
    if (row.names) {
      const counter = callArguments(call)[row.argument];
      const last = counter ? /(\w+)\W*$/.exec(normaliseKey(counter.text))?.[1] : undefined;
      if (!last || !row.names.test(last)) return undefined;
    }
    return row;
  }

  /** For the pfnmap walk: the argument of a conditional acquire on a page or folio. */
  pageAcquireArgument(name: string): number | undefined {
    const row = this.byName(name);
    return row && (row.object === 'page' || row.object === 'folio') ? row.argument : undefined;
  }
}

function parseAcquireRow(raw: KnowledgeRow, name: string): AcquireRow {
  const [object, confidence, releases, meaning, ...options] = raw.fields;
  if (!OBJECT_KINDS.includes(object as ObjectKind)) badRow(`object '${object ?? ''}' is not one of ${OBJECT_KINDS.join(', ')}`);
  if (!CONFIDENCES.includes(confidence as Confidence)) badRow(`confidence '${confidence ?? ''}' is not one of ${CONFIDENCES.join(', ')}`);
  const row: AcquireRow = {
    name,
    object: object as ObjectKind,
    confidence: confidence as Confidence,
    releases: (releases ?? '')
      .split(',')
      .filter(Boolean)
      .map((pattern) => ({ pattern, regex: new RegExp(`^${pattern.replace(/\*/g, '\\w*').replace(/\?/g, '\\w')}$`), glob: /[*?]/.test(pattern) })),
    meaning: meaning ?? 'no reference was taken',
    argument: 0,
    origin: raw.origin,
  };
  for (const option of options) {
    const arg = /^arg=(\d+)$/.exec(option);
    const names = /^names=(.+)$/.exec(option);
    if (arg) row.argument = Number(arg[1]);
    else if (names) row.names = regexOption(names[1]);
    else badRow(`unknown option '${option}'`);
  }
  return row;
}

function regexOption(source: string): RegExp {
  try {
    return new RegExp(source, 'i');
  } catch {
    return badRow(`names=${source} is not a regular expression`);
  }
}

export function objectWord(row: AcquireRow): string {
  return row.object === 'page' || row.object === 'folio' ? row.object : 'object';
}

