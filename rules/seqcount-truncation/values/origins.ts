// Where a value comes from, as far as it bounds the value: a 32-bit or
// narrower source (a register read, an endian conversion of a fixed-width
// field, an atomic_t), followed through the assignments of a local in its
// function, the stores into a struct member in the same file, and the
// return statements of a callee defined in the same file.

import type { SyntaxNode } from '../../../src/frontend/parse';
import { callArguments, enclosingFunction, functionName } from '../../../src/frontend/syntax';
import type { Typer } from '../../../src/types/typer';
import * as I from './interval';
import type { Bound, LeafFacts, RangeEvaluator } from './ranges';
import type { LocalDecl } from '../../../src/types/locals';
import { Guards } from './guards';
import { definitionInFile } from '../../../src/analysis/conversions';

interface NarrowSource {
  bits: number;
  signed: boolean;
  what: string;
}

const register = (bits: number): NarrowSource => ({ bits, signed: false, what: `a ${bits}-bit register` });
const field = (bits: number, order: string): NarrowSource => ({ bits, signed: false, what: `a ${bits}-bit ${order} value` });

/** Functions and accessor macros whose result is a fixed-width quantity, whatever type the call is given. */
export const NARROW_SOURCES: Record<string, NarrowSource> = {
  readl: register(32), readl_relaxed: register(32), __raw_readl: register(32), ioread32: register(32), ioread32be: register(32), inl: register(32),
  readw: register(16), readw_relaxed: register(16), __raw_readw: register(16), ioread16: register(16), ioread16be: register(16), inw: register(16),
  readb: register(8), readb_relaxed: register(8), __raw_readb: register(8), ioread8: register(8), inb: register(8),
  le32_to_cpu: field(32, 'little-endian'), __le32_to_cpu: field(32, 'little-endian'), le32_to_cpup: field(32, 'little-endian'),
  be32_to_cpu: field(32, 'big-endian'), __be32_to_cpu: field(32, 'big-endian'), be32_to_cpup: field(32, 'big-endian'),
  get_unaligned_le32: field(32, 'little-endian'), get_unaligned_be32: field(32, 'big-endian'), swab32: field(32, 'byte-swapped'),
  le16_to_cpu: field(16, 'little-endian'), __le16_to_cpu: field(16, 'little-endian'), le16_to_cpup: field(16, 'little-endian'),
  be16_to_cpu: field(16, 'big-endian'), __be16_to_cpu: field(16, 'big-endian'), be16_to_cpup: field(16, 'big-endian'),
  get_unaligned_le16: field(16, 'little-endian'), get_unaligned_be16: field(16, 'big-endian'), swab16: field(16, 'byte-swapped'),
  ntohl: field(32, 'network-order'), ntohs: field(16, 'network-order'),
  atomic_read: { bits: 32, signed: true, what: 'an atomic_t (int)' },
  atomic_inc_return: { bits: 32, signed: true, what: 'an atomic_t (int)' },
  atomic_add_return: { bits: 32, signed: true, what: 'an atomic_t (int)' },
};

/** Accessors whose value is that of the object they read. */
const READERS = new Set(['READ_ONCE', 'data_race']);

/** How many assignments or stores one name may have before it is not worth following. */
const MAX_SOURCES = 16;

export class Origins implements LeafFacts {
  private readonly memo = new Map<string, Bound | null>();
  private evaluator!: RangeEvaluator;

  private readonly guards: Guards;

  constructor(
    private readonly typer: Typer,
    private readonly root: SyntaxNode,
  ) {
    this.guards = new Guards(typer);
  }

  attach(evaluator: RangeEvaluator): void {
    this.evaluator = evaluator;
  }

  leaf(node: SyntaxNode, depth: number): Bound | null {
    switch (node.type) {
      case 'call_expression':
        return this.call(node, depth);
      case 'identifier':
        return this.local(node, depth);
      case 'field_expression':
        return this.member(node, depth);
      case 'pointer_expression': {
        const guarded = this.guards.factAt(node);
        return this.seqFilePosition(node) ?? (guarded ? { range: guarded.range, why: guarded.why, at: guarded.at } : null);
      }
      default:
        return null;
    }
  }

  /**
   * `*pos` in a seq_file iterator (`start(struct seq_file *m, loff_t *pos)`,
   * `next(...)`): the position counts records. seq_read and seq_lseek move it
   * one record at a time from 0 (an lseek replays the records up to the
   * offset), so it never exceeds the number of records the iterator yields.
   */
  private seqFilePosition(node: SyntaxNode): Bound | null {
    const pointer = node.childForFieldName('argument');
    if (node.child(0)?.type !== '*' || pointer?.type !== 'identifier') return null;
    const declaration = this.typer.localDeclaration(pointer);
    const fn = enclosingFunction(node);
    if (!declaration?.parameter || !fn) return null;
    const params = parameterDeclarations(fn);
    const first = params[0]?.text ?? '';
    const own = params.find((p) => declaration.nameNode && p.contains(declaration.nameNode));
    if (!/\bstruct\s+seq_file\s*\*/.test(first) || !own || !/\bloff_t\s*\*/.test(own.text)) return null;
    return { range: I.interval(0n, (1n << 31n) - 1n), why: `'${node.text}' is a seq_file record position, which only counts the records ${functionName(fn)}() yields`, at: node };
  }

  private call(node: SyntaxNode, depth: number): Bound | null {
    const callee = node.childForFieldName('function');
    if (callee?.type !== 'identifier') return null;
    const name = callee.text;
    const narrow = NARROW_SOURCES[name];
    if (narrow) return { range: I.rangeOfType(narrow), why: `read from ${name}(), ${narrow.what}`, at: node };
    if (READERS.has(name)) {
      const [read] = callArguments(node);
      return read ? this.evaluator.rangeOf(read, depth) : null;
    }
    return this.memoised(`return:${name}`, () => this.returns(name, node, depth));
  }

  /** A callee defined in this file: every value it returns. */
  private returns(name: string, call: SyntaxNode, depth: number): Bound | null {
    const definition = definitionInFile(this.root, name);
    const body = definition?.childForFieldName('body');
    if (!body) return null;
    const values = body.descendantsOfType('return_statement').map((r) => r.namedChildren.find((c) => c.type !== 'comment'));
    if (!values.length || values.length > MAX_SOURCES || values.some((v) => !v)) return null;
    return this.all(values as SyntaxNode[], depth, (why) => `every value ${name}() returns is bounded: ${why}`, call);
  }

  /**
   * A local variable of the function: every value assigned to it, when
   * nothing else changes it. A parameter of a static function: also every
   * argument its callers in this file pass. A constant global of this file:
   * its initial value.
   */
  private local(node: SyntaxNode, depth: number): Bound | null {
    const declaration = this.typer.localDeclaration(node);
    if (!declaration) return this.constantGlobal(node, depth);
    const assigned = this.assigned(node, declaration, depth);
    const guarded = this.guards.factAt(node);
    if (!guarded) return assigned;
    const guard: Bound = { range: guarded.range, why: guarded.why, at: guarded.at };
    if (!assigned) return guard;
    const range = { lo: assigned.range.lo > guard.range.lo ? assigned.range.lo : guard.range.lo, hi: assigned.range.hi < guard.range.hi ? assigned.range.hi : guard.range.hi };
    const tighter = guard.range.hi - guard.range.lo <= assigned.range.hi - assigned.range.lo ? guard : assigned;
    return { ...tighter, range };
  }

  private assigned(node: SyntaxNode, declaration: LocalDecl, depth: number): Bound | null {
    const fn = enclosingFunction(node);
    const body = fn?.childForFieldName('body');
    if (!body) return null;
    return this.memoised(`local:${fn!.startIndex}:${node.text}:${declaration.line}`, () => {
      const values: SyntaxNode[] = [];
      if (declaration.parameter) {
        const passed = this.argumentsPassed(fn!, declaration.nameNode);
        if (!passed) return null;
        values.push(...passed);
      }
      for (const use of body.table.uses('identifier', node.text)) {
        if (!body.contains(use) || this.typer.localDeclaration(use) !== declaration) continue;
        const written = writtenValue(use);
        if (written === 'changed') return null;
        if (written) values.push(written);
      }
      if (!values.length || values.length > MAX_SOURCES) return null;
      return this.all(values, depth, (why) => `every value assigned to '${node.text}' is bounded: ${why}`, node);
    });
  }

  /** What the callers in this file pass for a parameter of a static function; null if it may be called from elsewhere. */
  private argumentsPassed(fn: SyntaxNode, parameter: SyntaxNode | undefined): SyntaxNode[] | null {
    const name = functionName(fn);
    if (!name || !parameter || !/^\s*static\b/.test(fn.text.slice(0, 200))) return null;
    const index = parameterIndex(fn, parameter);
    if (index < 0) return null;
    const passed: SyntaxNode[] = [];
    for (const use of this.root.table.uses('identifier', name)) {
      const call = use.parent;
      if (use.id === declaredNameOf(fn)?.id || call?.type === 'function_declarator') continue;
      // Its address taken (a callback): the callers are not all in view.
      if (call?.type !== 'call_expression' || call.childForFieldName('function')?.id !== use.id) return null;
      const argument = callArguments(call)[index];
      if (!argument) return null;
      passed.push(argument);
    }
    return passed.length ? passed : null;
  }

  private constantGlobal(node: SyntaxNode, depth: number): Bound | null {
    if (this.typer.typeOf(node).origin?.kind !== 'global') return null;
    return this.memoised(`global:${node.text}`, () => {
      for (const item of this.root.namedChildren) {
        if (item.type !== 'declaration' || !item.children.some((c) => c.type === 'type_qualifier' && c.text === 'const')) continue;
        for (const declarator of item.childrenForFieldName('declarator')) {
          const value = declarator.type === 'init_declarator' && declarator.childForFieldName('declarator')?.text === node.text ? declarator.childForFieldName('value') : null;
          const bound = value ? this.evaluator.rangeOf(value, depth + 1) : null;
          if (bound) return { ...bound, why: `the constant '${node.text}' is ${I.show(bound.range)}`, at: value! };
        }
      }
      return null;
    });
  }

  /** A struct member: every store into it in this file, when none is compound. */
  private member(node: SyntaxNode, depth: number): Bound | null {
    const origin = this.typer.typeOf(node).origin;
    if (origin?.kind !== 'member') return null;
    const fieldName = node.childForFieldName('field')?.text ?? '';
    return this.memoised(`member:${origin.name}`, () => {
      const values: SyntaxNode[] = [];
      for (const name of this.root.table.uses('field_identifier', fieldName)) {
        const parent = name.parent;
        if (parent?.type === 'field_designator') {
          // `.member = value` in an initializer: counted whatever struct it initialises, to stay on the safe side.
          const value = parent.parent?.type === 'initializer_pair' ? parent.parent.childForFieldName('value') : null;
          if (value) values.push(value);
          continue;
        }
        if (parent?.type !== 'field_expression' || this.typer.typeOf(parent).origin?.name !== origin.name) continue;
        const written = writtenValue(parent);
        if (written === 'changed') return null;
        if (written) values.push(written);
      }
      if (!values.length || values.length > MAX_SOURCES) return null;
      return this.all(values, depth, (why) => `every store into '${fieldName}' in this file is bounded: ${why}`, node);
    });
  }

  private all(values: SyntaxNode[], depth: number, many: (why: string) => string, at: SyntaxNode): Bound | null {
    const bounds: Bound[] = [];
    for (const value of values) {
      const bound = this.evaluator.rangeOf(value, depth + 1);
      if (!bound) return null;
      bounds.push(bound);
    }
    if (!bounds.length) return null;
    if (bounds.length === 1) return bounds[0];
    const range = bounds.map((b) => b.range).reduce(I.union);
    const widest = bounds.reduce((a, b) => (b.range.hi - b.range.lo > a.range.hi - a.range.lo ? b : a));
    const bound: Bound = { range, why: many(`${widest.why} at line ${widest.at.startPosition.row + 1}`), at };
    if (widest.fromType) bound.fromType = true;
    return bound;
  }

  private readonly inProgress = new Set<string>();
  private readonly cyclic = new Set<string>();

  /**
   * A name whose value depends on itself (`c->pos = pos` after `pos =
   * c->pos`) is bounded only by what it held before, which this file does
   * not show: it says nothing.
   */
  private memoised(key: string, compute: () => Bound | null): Bound | null {
    if (this.memo.has(key)) return this.memo.get(key)!;
    if (this.inProgress.has(key)) {
      this.cyclic.add(key);
      return null;
    }
    this.inProgress.add(key);
    let bound = compute();
    this.inProgress.delete(key);
    if (this.cyclic.delete(key)) bound = null;
    this.memo.set(key, bound);
    return bound;
  }
}

/**
 * What a use of a name or member writes into it: the value of a plain
 * assignment or initialisation, 'changed' for anything that changes it
 * otherwise (compound assignment, ++, its address taken), null for a read.
 */
function writtenValue(use: SyntaxNode): SyntaxNode | 'changed' | null {
  let node = use;
  while (node.parent?.type === 'parenthesized_expression') node = node.parent;
  const parent = node.parent;
  if (!parent) return null;
  if (parent.type === 'init_declarator' && parent.childForFieldName('declarator')?.id === node.id) {
    return parent.childForFieldName('value') ?? null;
  }
  if (parent.type === 'assignment_expression' && parent.childForFieldName('left')?.id === node.id) {
    return parent.childForFieldName('operator')?.type === '=' ? parent.childForFieldName('right') : 'changed';
  }
  if (parent.type === 'update_expression') return 'changed';
  if (parent.type === 'pointer_expression' && parent.child(0)?.type === '&') return 'changed';
  return null;
}

function parameterDeclarations(fn: SyntaxNode): SyntaxNode[] {
  let declarator = fn.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  return declarator?.childForFieldName('parameters')?.namedChildren.filter((c) => c.type === 'parameter_declaration') ?? [];
}

function parameterIndex(fn: SyntaxNode, parameter: SyntaxNode): number {
  return parameterDeclarations(fn).findIndex((p) => p.contains(parameter));
}

function declaredNameOf(fn: SyntaxNode): SyntaxNode | null {
  let declarator = fn.childForFieldName('declarator');
  while (declarator && declarator.type !== 'identifier') declarator = declarator.childForFieldName('declarator');
  return declarator;
}

