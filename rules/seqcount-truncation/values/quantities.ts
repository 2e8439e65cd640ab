// What wide quantity an expression reads: a local (and what was assigned
// to it), a parameter, a global, a struct member of an object, a getter.
// Two expressions read the same quantity when they name the same variable,
// the same member (of the same object, within one function), or the same
// getter; or, for sequence counts, when their names say they are copies of
// one count (`unlink_seqnum` and `seqnum`).

import type { SyntaxNode } from '../../../src/frontend/parse';
import { callArguments, enclosingFunction } from '../../../src/frontend/syntax';
import type { Typer } from '../../../src/types/typer';
import { integerLiteralValue } from '../../../src/types/literals';
import { unparenthesised } from '../../../src/analysis/conversions';

export interface Quantity {
  key: string;
  /** The name it goes by: a variable, a member, a getter. */
  name: string;
  /** How a reader would say it: `member 'mmu_invalidate_seq' of 'vcpu->kvm'`. */
  label: string;
  /** For a member: the object expression, squeezed of spaces. */
  object?: string;
  /** The function the expression is in. */
  fn: SyntaxNode | null;
  /**
   * Memory others can change meanwhile (a member, a global, what a getter or
   * pointer reads), as opposed to a local or a parameter: comparing a narrowed
   * value with its own unchanged local source is an overflow check, not a
   * staleness check.
   */
  shared: boolean;
}

/**
 * Words naming values that only grow and pass bit 31 in a long-lived
 * system: sequence counts, generations, epochs.
 */
export const SEQUENCE_WORDS = new Set(['seq', 'seqno', 'seqnum', 'sequence', 'gen', 'generation', 'epoch', 'serial']);

/** Accessors whose value is that of the object they read: `atomic64_read(&kvm->seq)` is `seq`. */
export const READERS = new Set([
  'READ_ONCE', 'data_race', 'atomic_read', 'atomic64_read', 'atomic_long_read', 'smp_load_acquire', 'local64_read',
  'raw_read_seqcount', 'read_seqcount_begin',
]);

const MAX_DEPTH = 3;

/**
 * The quantities an expression's value is a reading of; with `follow`, a
 * local also stands for what was assigned to it (`mmu_seq = kvm->seq`).
 */
export function quantitiesOf(node: SyntaxNode, typer: Typer, follow = true, depth = 0): Quantity[] {
  const n = unparenthesised(node);
  const fn = enclosingFunction(n);
  switch (n.type) {
    case 'identifier': {
      const local = typer.localDeclaration(n);
      if (local?.parameter) return [{ key: `param:${fn?.startIndex}:${n.text}`, name: n.text, label: `parameter '${n.text}'`, fn, shared: false }];
      if (local) {
        const own: Quantity = { key: `local:${fn?.startIndex}:${local.line}:${n.text}`, name: n.text, label: `'${n.text}'`, fn, shared: false };
        return [own, ...(follow && depth < MAX_DEPTH ? assignedQuantities(n, typer, depth + 1) : [])];
      }
      const origin = typer.typeOf(n).origin;
      if (origin?.kind === 'macro' || origin?.kind === 'enumerator') return [];
      return [{ key: `global:${n.text}`, name: n.text, label: `'${n.text}'`, fn, shared: true }];
    }
    case 'field_expression': {
      const field = n.childForFieldName('field')?.text ?? '';
      const member = typer.typeOf(n).origin;
      const object = squeeze(n.childForFieldName('argument')?.text ?? '');
      return [{ key: `member:${member?.kind === 'member' ? member.name : field}`, name: field, label: `'${n.text}'`, object, fn, shared: true }];
    }
    case 'call_expression': {
      const callee = n.childForFieldName('function');
      if (callee?.type !== 'identifier') return [];
      if (READERS.has(callee.text)) {
        const [read] = callArguments(n);
        return read ? quantitiesOf(read, typer, follow, depth) : [];
      }
      // A getter is the same quantity only when asked about the same object, its first argument.
      const [object] = callArguments(n);
      return [{ key: `call:${callee.text}(${squeeze(object?.text ?? '')})`, name: callee.text, label: `'${clip(n.text)}'`, fn, shared: true }];
    }
    case 'pointer_expression': {
      const inner = quantitiesOf(n.childForFieldName('argument')!, typer, follow, depth);
      if (n.child(0)?.type === '&') return inner;
      return inner.map((q) => ({ ...q, key: `deref:${q.key}`, label: `'${n.text}'`, shared: true }));
    }
    case 'binary_expression': {
      // `seq + 1` still reads seq.
      const op = n.childForFieldName('operator')?.type;
      const [left, right] = [n.childForFieldName('left')!, n.childForFieldName('right')!];
      if (op !== '+' && op !== '-') return [];
      if (isLiteral(right)) return quantitiesOf(left, typer, follow, depth);
      if (op === '+' && isLiteral(left)) return quantitiesOf(right, typer, follow, depth);
      return [];
    }
    default:
      return [];
  }
}

/** Why two readings are of the same memory that others can change, or null. */
export function sameQuantity(a: Quantity, b: Quantity): string | null {
  if (!a.shared || !b.shared) return null;
  if (a.key === b.key) {
    if (!a.key.startsWith('member:')) return `${b.label} is ${a.label}`;
    if (a.fn !== b.fn || a.object === b.object) return `${b.label} is the same member as ${a.label}`;
    if (isSequenceName(a.name)) return `${b.label} is the same sequence count as ${a.label}`;
    return null;
  }
  if (isSequenceName(a.name) && isSequenceName(b.name) && (a.name.endsWith(`_${b.name}`) || b.name.endsWith(`_${a.name}`))) {
    return `${b.label} holds the same sequence count as ${a.label}, by name`;
  }
  return null;
}

export function sameQuantityIn(as: Quantity[], bs: Quantity[]): string | null {
  for (const b of bs) for (const a of as) {
    const why = sameQuantity(a, b);
    if (why) return why;
  }
  return null;
}

/** A name one of whose words is a sequence word (`mmu_invalidate_seq`, `line_seqno`), or the jiffies counter. */
export function isSequenceName(name: string): boolean {
  return name === 'jiffies' || name === 'jiffies_64' || name === 'get_jiffies_64' || name.toLowerCase().split('_').some((word) => SEQUENCE_WORDS.has(word));
}

function assignedQuantities(identifier: SyntaxNode, typer: Typer, depth: number): Quantity[] {
  const declaration = typer.localDeclaration(identifier);
  const fn = enclosingFunction(identifier);
  const body = fn?.childForFieldName('body');
  if (!declaration || !body) return [];
  const out: Quantity[] = [];
  for (const use of body.table.uses('identifier', identifier.text)) {
    if (!body.contains(use) || typer.localDeclaration(use) !== declaration) continue;
    const parent = use.parent;
    const value =
      parent?.type === 'init_declarator' && parent.childForFieldName('declarator')?.id === use.id ? parent.childForFieldName('value')
      : parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === use.id && parent.childForFieldName('operator')?.type === '=' ? parent.childForFieldName('right')
      : null;
    if (value) out.push(...quantitiesOf(value, typer, true, depth));
  }
  return out;
}

function isLiteral(node: SyntaxNode): boolean {
  return integerLiteralValue(unparenthesised(node).text) !== null;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 50 ? `${flat.slice(0, 47)}...` : flat;
}

function squeeze(text: string): string {
  return text.replace(/\s+/g, '');
}

