// Implicit integer conversions: where a value of one integer type is stored
// into, passed as, or returned as another, and where a value flows on into
// a wider context. Shared by rules about truncation and sign extension and
// by the benchmark that counts what -Wconversion would see.

import type { SyntaxNode } from '../frontend/parse';
import type { IntInfo, IntName } from '../types/ctype';
import type { FunctionDecl, Located } from '../types/facts';
import type { Typer } from '../types/typer';
import { callArguments, functionName } from '../frontend/syntax';
import { integerLiteralValue } from '../types/literals';

export type IntegerType = IntInfo & { name: IntName };

export type Channel = 'initialisation' | 'assignment' | 'argument' | 'return' | 'member store';

export interface Conversion {
  channel: Channel;
  /** The expression whose value is converted. */
  source: SyntaxNode;
  from: IntegerType;
  to: IntegerType;
  /** The variable or parameter that receives the value, when it has a name in this file. */
  receiver?: Receiver;
  /** What receives the value, in words: `parameter 'mmu_seq' of is_page_fault_stale()`. */
  receiverText: string;
  /** Where the receiving type is declared (line in this file, or file:line in the index). */
  receiverDeclaredAt?: { file: string; line: number };
  /** For a member store: the member, as the typer names it (`struct kvm_page_fault::mmu_seq`), and the store's left side. */
  member?: { name: string; store: SyntaxNode };
}

/** A named place the value lands in, whose later uses can be followed. */
export interface Receiver {
  name: string;
  /** The function whose body the name is in scope for. */
  scope: SyntaxNode;
  /** The declaration's name node. */
  declaration: SyntaxNode;
}

/** A narrowing: the target cannot hold every value of the source type. */
export function isNarrowing(from: IntegerType, to: IntegerType): boolean {
  if (to.name === '_Bool') return false;
  if (to.bits < from.bits) return true;
  return to.bits === from.bits && to.signed !== from.signed;
}

/**
 * Which conversions a caller wants, asked before a Conversion is built. The
 * receiving type is typed first and the source only when the receiver is an
 * integer, so a caller that keeps few conversions pays for few.
 */
export type ConversionFilter = (from: IntegerType, to: IntegerType) => boolean;

const EVERY_CONVERSION: ConversionFilter = () => true;

/**
 * Sources a caller drops whatever their type, asked once the receiving type
 * is an integer and before the source is typed: typing a macro constant
 * means parsing and typing its body.
 */
export type SourceSkip = (source: SyntaxNode, to: IntegerType) => boolean;

const NO_SOURCE_SKIPPED: SourceSkip = () => false;

/** The nodes where a value is converted to another type. */
const CONVERTING = ['init_declarator', 'assignment_expression', 'call_expression', 'return_statement'];

/** Every implicit integer conversion in a function body (those `keep` accepts). */
export function conversionsIn(fn: SyntaxNode, typer: Typer, keep: ConversionFilter = EVERY_CONVERSION, skip: SourceSkip = NO_SOURCE_SKIPPED): Conversion[] {
  const out: Conversion[] = [];
  const body = fn.childForFieldName('body');
  if (!body) return out;
  // Asked at the first return with a value: many functions return nothing.
  let returnType: IntegerType | null | undefined;
  const returnTypeOf = () => (returnType === undefined ? (returnType = declaredReturnType(fn, typer)) : returnType);
  const ask = { typer, keep, skip, out };
  // Document order, as a walk of the body would visit them (the table keeps each type's nodes sorted).
  for (const node of body.descendantsOfType(CONVERTING)) {
    switch (node.type) {
      case 'init_declarator':
        initialisation(node, fn, ask);
        break;
      case 'assignment_expression':
        assignment(node, fn, ask);
        break;
      case 'call_expression':
        argumentConversions(node, ask);
        break;
      case 'return_statement':
        returned(node, returnTypeOf, fn, ask);
        break;
    }
  }
  return out;
}

function declaredReturnType(fn: SyntaxNode, typer: Typer): IntegerType | null {
  const name = functionName(fn);
  if (!name) return null;
  const found = typer.functionNamed(name);
  return found && 'decl' in found ? typer.integerInfo(found.decl.ret) : null;
}

interface Ask {
  typer: Typer;
  keep: ConversionFilter;
  skip: SourceSkip;
  out: Conversion[];
}

function initialisation(node: SyntaxNode, fn: SyntaxNode, { typer, keep, skip, out }: Ask): void {
  const value = node.childForFieldName('value');
  const name = declaredName(node.childForFieldName('declarator'));
  if (!value || !name || value.type === 'initializer_list') return;
  const to = typer.integerOf(name);
  const from = to && !skip(value, to) && typer.integerOf(value);
  if (!to || !from || !keep(from, to)) return;
  out.push({
    channel: 'initialisation',
    source: value,
    from,
    to,
    receiver: { name: name.text, scope: fn, declaration: name },
    receiverText: `'${name.text}'`,
    receiverDeclaredAt: { file: typer.scope.file, line: name.startPosition.row + 1 },
  });
}

function assignment(node: SyntaxNode, fn: SyntaxNode, { typer, keep, skip, out }: Ask): void {
  if (node.childForFieldName('operator')?.type !== '=') return;
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (!left || !right) return;
  const to = typer.integerOf(left);
  const from = to && !skip(right, to) && typer.integerOf(right);
  if (!to || !from || !keep(from, to)) return;
  const origin = typer.typeOf(left).origin;
  const declaration = left.type === 'identifier' ? typer.localDeclaration(left)?.nameNode : undefined;
  out.push({
    channel: left.type === 'field_expression' ? 'member store' : 'assignment',
    source: right,
    from,
    to,
    ...(declaration ? { receiver: { name: left.text, scope: fn, declaration } } : {}),
    receiverText: `'${left.text}'`,
    ...(origin ? { receiverDeclaredAt: { file: origin.file, line: origin.line } } : {}),
    ...(origin?.kind === 'member' ? { member: { name: origin.name, store: left } } : {}),
  });
}

function argumentConversions(node: SyntaxNode, { typer, keep, skip, out }: Ask): void {
  const callee = node.childForFieldName('function');
  if (callee?.type !== 'identifier') return;
  const args = callArguments(node);
  if (args.length === 0) return;
  const found = typer.functionNamed(callee.text);
  if (!found || !('decl' in found)) return;
  const decl = found.decl;
  decl.params.forEach((param, i) => {
    const arg = args[i];
    if (!arg) return;
    const to = typer.integerInfo(param.type);
    const from = to && !skip(arg, to) && typer.integerOf(arg);
    if (!to || !from || !keep(from, to)) return;
    const definition = decl.file === typer.scope.file ? definitionInFile(node, callee.text) : null;
    const paramNode = definition ? parameterNameNode(definition, i) : null;
    out.push({
      channel: 'argument',
      source: arg,
      from,
      to,
      ...(definition && paramNode ? { receiver: { name: paramNode.text, scope: definition, declaration: paramNode } } : {}),
      receiverText: `parameter ${param.name ? `'${param.name}' ` : `${i + 1} `}of ${callee.text}()`,
      receiverDeclaredAt: { file: decl.file, line: paramNode ? paramNode.startPosition.row + 1 : decl.line },
    });
  });
}

function returned(node: SyntaxNode, returnTypeOf: () => IntegerType | null, fn: SyntaxNode, { typer, keep, skip, out }: Ask): void {
  const value = node.namedChildren.find((c) => c.type !== 'comment');
  if (!value) return;
  const returnType = returnTypeOf();
  const from = returnType && !skip(value, returnType) && typer.integerOf(value);
  if (!returnType || !from || !keep(from, returnType)) return;
  const name = functionName(fn) ?? '';
  out.push({
    channel: 'return',
    source: value,
    from,
    to: returnType,
    receiverText: `the return value of ${name}()`,
    receiverDeclaredAt: { file: typer.scope.file, line: fn.startPosition.row + 1 },
  });
}

/** A literal (or a negated one) whose value the target type holds, such as `1` into an int; sizeof, a character, a macro or enumerator. */
export function isConstantThatFits(conversion: Conversion, typer: Typer): boolean {
  const { operand, negated } = withoutSign(unparenthesised(conversion.source));
  if (operand.type === 'number_literal') return literalFits(operand, negated, conversion.to);
  if (operand.type === 'sizeof_expression' || operand.type === 'char_literal') return true;
  const origin = typer.typeOf(operand).origin;
  return origin?.kind === 'enumerator' || origin?.kind === 'macro';
}

/**
 * isConstantThatFits asked before the source is typed (a SourceSkip): true
 * only where it is sure, and a macro's name answers without its body typed.
 */
export function isEvidentlyConstantThatFits(source: SyntaxNode, to: IntegerType, typer: Typer): boolean {
  const { operand, negated } = withoutSign(unparenthesised(source));
  if (operand.type === 'number_literal') return literalFits(operand, negated, to);
  if (operand.type === 'sizeof_expression' || operand.type === 'char_literal') return true;
  return typer.namesConstant(operand);
}

function literalFits(literal: SyntaxNode, negated: boolean, to: IntegerType): boolean {
  const written = integerLiteralValue(literal.text);
  if (written === null) return false;
  const value = negated ? -written : written;
  const { bits, signed } = to;
  const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const max = (1n << BigInt(signed ? bits - 1 : bits)) - 1n;
  return value >= min && value <= max;
}

export function unparenthesised(node: SyntaxNode): SyntaxNode {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChild(0)!;
  return n;
}

/** `-x` and `+x` as x and whether it was negated. */
export function withoutSign(node: SyntaxNode): { operand: SyntaxNode; negated: boolean } {
  const op = node.child(0)?.type;
  if (node.type !== 'unary_expression' || (op !== '-' && op !== '+')) return { operand: node, negated: false };
  return { operand: node.childForFieldName('argument')!, negated: op === '-' };
}

// ---------------------------------------------------------------------------
// Where a value goes next.

export interface Widening {
  /** The node where the value is widened (the argument, the comparison, the right-hand side). */
  at: SyntaxNode;
  to: IntegerType;
  /** In words: `passed to parameter 'mmu_seq' of mmu_invalidate_retry_hva()`, `compared with 'seq'`. */
  how: string;
  /** For a comparison: the other operand. */
  comparedWith?: SyntaxNode;
}

/** If the value of `expression` is converted to a type wider than `from` right where it is used, how. */
export function wideningAt(expression: SyntaxNode, from: IntegerType, typer: Typer): Widening | null {
  let node = expression;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (!parent) return null;
  const wider = (to: IntegerType | null): to is IntegerType => !!to && to.bits > from.bits;
  if (parent.type === 'argument_list' && parent.parent?.type === 'call_expression') {
    const call = parent.parent;
    const callee = call.childForFieldName('function');
    if (callee?.type !== 'identifier') return null;
    const found = typer.functionNamed(callee.text);
    if (!found || !('decl' in found)) return null;
    const index = callArguments(call).findIndex((a) => a.id === node.id);
    const param = (found.decl as Located<FunctionDecl>).params[index];
    const to = param ? typer.integerInfo(param.type) : null;
    return wider(to) ? { at: node, to, how: `passed to parameter ${param.name ? `'${param.name}' ` : ''}of ${callee.text}() as ${to.name}` } : null;
  }
  if (parent.type === 'binary_expression' && COMPARISONS.has(parent.childForFieldName('operator')?.type ?? '')) {
    const other = parent.childForFieldName('left')?.id === node.id ? parent.childForFieldName('right') : parent.childForFieldName('left');
    const otherType = other ? typer.integerOf(other) : null;
    if (!other || !otherType || otherType.bits <= from.bits) return null;
    return { at: node, to: otherType, how: `compared with '${other.text}' (${otherType.name})`, comparedWith: other };
  }
  if (parent.type === 'assignment_expression' && parent.childForFieldName('right')?.id === node.id) {
    const to = typer.integerOf(parent.childForFieldName('left')!);
    return wider(to) ? { at: node, to, how: `stored into '${parent.childForFieldName('left')!.text}' (${to.name})` } : null;
  }
  if (parent.type === 'init_declarator' && parent.childForFieldName('value')?.id === node.id) {
    const name = declaredName(parent.childForFieldName('declarator'));
    const to = name ? typer.integerOf(name) : null;
    return wider(to) ? { at: node, to, how: `stored into '${name!.text}' (${to.name})` } : null;
  }
  return null;
}

const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Uses of a local or parameter after `after`, in its scope: identifiers bound to the same declaration. */
export function usesOf(receiver: Receiver, after: number, typer: Typer): SyntaxNode[] {
  const line = receiver.declaration.startPosition.row + 1;
  const body = receiver.scope.childForFieldName('body');
  if (!body) return [];
  return body.table.uses('identifier', receiver.name).filter((node) => {
    if (node.startIndex < after || !body.contains(node)) return false;
    const origin = typer.typeOf(node).origin;
    return origin !== undefined && (origin.kind === 'local' || origin.kind === 'parameter') && origin.line === line;
  });
}

/** Reads of a struct member anywhere under `root` (not the stores into it). */
export function memberReads(root: SyntaxNode, member: string, typer: Typer): SyntaxNode[] {
  const field = member.slice(member.lastIndexOf('::') + 2);
  const reads: SyntaxNode[] = [];
  for (const name of root.table.uses('field_identifier', field)) {
    const node = name.parent;
    if (node?.type !== 'field_expression' || node.childForFieldName('field') !== name || !root.contains(node)) continue;
    const parent = node.parent;
    const isStore = parent?.type === 'assignment_expression' && parent.childForFieldName('left') === node;
    if (!isStore && typer.typeOf(node).origin?.name === member) reads.push(node);
  }
  // Document order, an outer expression before the one it contains.
  return reads.sort((a, b) => a.index - b.index);
}

// ---------------------------------------------------------------------------
// Syntax helpers.

export function declaredName(declarator: SyntaxNode | null): SyntaxNode | null {
  let node = declarator;
  while (node && node.type !== 'identifier') {
    if (node.type === 'array_declarator' || node.type === 'function_declarator') return null;
    node = node.childForFieldName('declarator');
  }
  return node;
}

/** The file's top-level definition of `name` (the first, when #if branches define it twice). */
export function definitionInFile(from: SyntaxNode, name: string): SyntaxNode | null {
  const byName = from.table.derived('top-level function definitions by name', () => {
    const map = new Map<string, SyntaxNode>();
    for (const item of from.table.rootNode.namedChildren) {
      const itemName = item.type === 'function_definition' ? functionName(item) : undefined;
      if (itemName !== undefined && !map.has(itemName)) map.set(itemName, item);
    }
    return map;
  });
  return byName.get(name) ?? null;
}

export function parameterNameNode(definition: SyntaxNode, index: number): SyntaxNode | null {
  let declarator = definition.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  const params = declarator?.childForFieldName('parameters')?.namedChildren.filter((c) => c.type === 'parameter_declaration') ?? [];
  return declaredName(params[index]?.childForFieldName('declarator') ?? null);
}
