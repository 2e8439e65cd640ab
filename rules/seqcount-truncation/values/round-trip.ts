// The round trip of document 003: a wide quantity is narrowed, and the
// narrowed value is later compared with, or stored back into, the SAME
// wide quantity (the same variable, member or getter), so the comparison
// fails once the quantity passes the narrow type. Followed through the
// receiving local or parameter, copies into other locals, the struct member
// it was stored in (read anywhere in the file) and the parameters of callees
// defined in the same file. A callee elsewhere counts when the object the
// quantity was read from is handed to it with the narrowed value.

import type { SyntaxNode } from '../../../src/frontend/parse';
import { callArguments, enclosingFunction } from '../../../src/frontend/syntax';
import type { Typer } from '../../../src/types/typer';
import {
  Conversion,
  declaredName,
  definitionInFile,
  IntegerType,
  memberReads,
  parameterNameNode,
  Receiver,
  unparenthesised,
  usesOf,
} from '../../../src/analysis/conversions';
import { isSequenceName, Quantity, quantitiesOf, sameQuantityIn } from './quantities';

export interface RoundTrip {
  /** Where the narrowed value meets its source again. */
  at: SyntaxNode;
  /** In words: `compared with 'kvm->mmu_invalidate_seq' (unsigned long)`. */
  how: string;
  /** Why that is the same quantity. */
  same: string;
  to: IntegerType;
  /** Compared with the quantity (a staleness or identity check), or stored back into it (a restore). */
  kind: 'compared' | 'stored back';
  /** The narrowed value was kept in a member (of another structure) on the way. */
  throughMember?: boolean;
}

export interface RoundTripSearch {
  trip: RoundTrip | null;
  /** What quantity the source is, if any (a computed value is none). */
  quantities: Quantity[];
  /** Where the narrowed value goes otherwise, for the evidence of a finding without a round trip. */
  otherUses: { at: SyntaxNode; how: string }[];
}

const MAX_DEPTH = 3;
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);

export function findRoundTrip(conversion: Conversion, typer: Typer, root: SyntaxNode): RoundTripSearch {
  const quantities = quantitiesOf(conversion.source, typer);
  const search: RoundTripSearch = { trip: null, quantities, otherUses: [] };
  if (!quantities.length) return search;
  const narrow = conversion.to;
  const followed = new Set<string>();

  const examine = (use: SyntaxNode, depth: number): RoundTrip | null => {
    let node = use;
    // `snapshot + 1` still carries the narrowed value.
    while (node.parent?.type === 'parenthesized_expression' || isOffsetByConstant(node.parent, node)) node = node.parent!;
    const parent = node.parent;
    if (!parent) return null;
    const note = (how: string) => search.otherUses.push({ at: node, how });

    if (parent.type === 'binary_expression' && COMPARISONS.has(parent.childForFieldName('operator')?.type ?? '')) {
      const other = parent.childForFieldName('left')?.id === node.id ? parent.childForFieldName('right') : parent.childForFieldName('left');
      if (!other) return null;
      const otherType = typer.integerOf(other);
      const same = sameQuantityIn(quantities, quantitiesOf(other, typer, false));
      if (same && otherType && otherType.bits > narrow.bits) {
        const check = overflowCheck(parent, conversion.source);
        if (check) {
          note(`compared with '${clipped(other.text)}' at once, ${check}`);
          return null;
        }
        return { at: node, how: `compared with '${other.text}' (${otherType.name})`, same, to: otherType, kind: 'compared' };
      }
      note(`compared with '${clipped(other.text)}'${same ? ' in the narrow type' : ', a different quantity'}`);
      return null;
    }

    if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === node.id) {
      const left = parent.childForFieldName('left')!;
      const leftType = typer.integerOf(left);
      const same = sameQuantityIn(quantities, quantitiesOf(left, typer, false));
      if (same && leftType && leftType.bits > narrow.bits && parent.childForFieldName('operator')?.type === '=') {
        return { at: node, how: `stored back into '${left.text}' (${leftType.name})`, same, to: leftType, kind: 'stored back' };
      }
      const declaration = left.type === 'identifier' ? typer.localDeclaration(left)?.nameNode : undefined;
      const fn = enclosingFunction(left);
      if (declaration && fn && parent.childForFieldName('operator')?.type === '=') {
        return follow({ name: left.text, scope: fn, declaration }, parent.endIndex, depth);
      }
      note(`stored into '${left.text}'`);
      const member = typer.typeOf(left).origin;
      if (left.type === 'field_expression' && member?.kind === 'member' && parent.childForFieldName('operator')?.type === '=') {
        const trip = followMember(member.name, depth);
        if (trip) return { ...trip, how: `stored into '${left.text}', read back as ${trip.how}`, throughMember: true };
      }
      return null;
    }

    if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === node.id) {
      const name = declaredName(parent.childForFieldName('declarator'));
      const fn = enclosingFunction(parent);
      if (name && fn) return follow({ name: name.text, scope: fn, declaration: name }, parent.endIndex, depth);
      return null;
    }

    if (parent.type === 'argument_list' && parent.parent?.type === 'call_expression') return passed(parent.parent, node, depth, note);

    if (parent.type === 'return_statement') note('returned');
    else note(`used in '${clipped(parent.text)}'`);
    return null;
  };

  const passed = (call: SyntaxNode, argument: SyntaxNode, depth: number, note: (how: string) => void): RoundTrip | null => {
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier') return null;
    const args = callArguments(call);
    const index = args.findIndex((a) => a.id === argument.id);
    const found = typer.functionNamed(callee.text);
    const param = found && 'decl' in found ? found.decl.params[index] : undefined;
    const to = param ? typer.integerInfo(param.type) : null;
    const definition = found && 'decl' in found && found.decl.file === typer.scope.file ? definitionInFile(call, callee.text) : null;
    const paramNode = definition ? parameterNameNode(definition, index) : null;
    if (definition && paramNode) {
      const inCallee = follow({ name: paramNode.text, scope: definition, declaration: paramNode }, paramNode.endIndex, depth);
      if (inCallee) return { ...inCallee, how: `passed to ${callee.text}() and there ${inCallee.how}` };
      return null;
    }
    // 003 in the tree: the snapshot goes back to a header's inline helper (mmu_invalidate_retry_hva(kvm, mmu_seq, hva)) with its owner.
    if (to && to.bits > narrow.bits && isSequenceName(param?.name ?? '') && quantities.some((q) => isSequenceName(q.name))) {
      const owner = ownerPassedAlong(args, index);
      if (owner) {
        return { at: argument, how: `passed to ${callee.text}() as ${to.name}`, same: `together with ${owner}, so ${callee.text}() can compare it with the original`, to, kind: 'compared' };
      }
    }
    note(`passed to ${callee.text}()`);
    return null;
  };

  /** Another argument of the call that is the object a member quantity was read from, or the quantity itself. */
  const ownerPassedAlong = (args: SyntaxNode[], index: number): string | null => {
    for (const [i, arg] of args.entries()) {
      if (i === index) continue;
      const text = unparenthesised(arg).text.replace(/\s+/g, '').replace(/^&/, '');
      for (const q of quantities) {
        if (q.object && q.object === text) return `'${arg.text}', the object ${q.label} is read from`;
      }
      const same = sameQuantityIn(quantities, quantitiesOf(arg, typer, false));
      if (same) return `'${arg.text}' (${same})`;
    }
    return null;
  };

  const followMember = (member: string, depth: number): RoundTrip | null => {
    if (depth >= MAX_DEPTH || followed.has(member)) return null;
    followed.add(member);
    for (const read of memberReads(root, member, typer)) {
      const trip = examine(read, depth + 1);
      if (trip) return { ...trip, how: `'${read.text}' and ${trip.how}` };
    }
    return null;
  };

  const follow = (receiver: Receiver, after: number, depth: number): RoundTrip | null => {
    const key = `${receiver.scope.startIndex}:${receiver.declaration.startIndex}`;
    if (depth >= MAX_DEPTH || followed.has(key)) return null;
    followed.add(key);
    for (const use of usesOf(receiver, after, typer)) {
      const trip = examine(use, depth + 1);
      if (trip) return trip;
    }
    return null;
  };

  if (conversion.member) {
    for (const read of memberReads(root, conversion.member.name, typer)) {
      const trip = examine(read, 0);
      if (trip) return { ...search, trip: { ...trip, how: `read back as '${read.text}' and ${trip.how}`, throughMember: true } };
    }
  }
  if (conversion.receiver) {
    const after = conversion.channel === 'argument' ? conversion.receiver.declaration.endIndex : conversion.source.endIndex;
    const trip = follow(conversion.receiver, after, -1);
    if (trip) return { ...search, trip };
  }
  return search;
}

function isOffsetByConstant(parent: SyntaxNode | null, operand: SyntaxNode): boolean {
  if (parent?.type !== 'binary_expression') return false;
  const op = parent.childForFieldName('operator')?.type;
  if (op !== '+' && op !== '-') return false;
  const left = parent.childForFieldName('left');
  const other = left?.id === operand.id ? parent.childForFieldName('right') : left;
  return !!other && unparenthesised(other).type === 'number_literal' && (op === '+' || left?.id === operand.id);
}

const OVERFLOW_ERRORS = /\bE(OVERFLOW|RANGE|2BIG|FBIG|INVAL)\b/;

/**
 * Is a comparison of the narrowed value with its source a check that the
 * narrowing lost nothing (`tmp.st_ino = stat->ino; if (tmp.st_ino !=
 * stat->ino) return -EOVERFLOW;`)? So when it is in the statement that
 * narrows or the next one, or its condition weighs sizeof, or it fails with
 * an overflow or range error.
 */
function overflowCheck(comparison: SyntaxNode, source: SyntaxNode): string | null {
  if (enclosingFunction(comparison) !== enclosingFunction(source)) return null;
  let condition: SyntaxNode | null = comparison;
  while (condition && condition.parent && condition.parent.type !== 'if_statement') condition = condition.parent;
  const ifStatement = condition?.parent?.type === 'if_statement' && condition.fieldName === 'condition' ? condition.parent : null;
  if (ifStatement && /\bsizeof\b/.test(condition!.text)) return 'under a sizeof test: an overflow check';
  const consequence = ifStatement?.childForFieldName('consequence');
  if (consequence && OVERFLOW_ERRORS.test(consequence.text)) return `failing with ${OVERFLOW_ERRORS.exec(consequence.text)![0]}: an overflow check`;
  const narrowing = statementOf(source);
  const check = statementOf(comparison);
  if (narrowing && check && (narrowing.id === check.id || nextStatement(narrowing)?.id === check.id)) return 'right after the narrowing: an overflow check';
  return null;
}

function statementOf(node: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = node;
  while (n && n.parent && n.parent.type !== 'compound_statement') n = n.parent;
  return n?.parent ? n : null;
}

function nextStatement(statement: SyntaxNode): SyntaxNode | null {
  let next = statement.nextNamedSibling;
  while (next && next.type === 'comment') next = next.nextNamedSibling;
  return next;
}

function clipped(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 50 ? `${flat.slice(0, 47)}...` : flat;
}
