// Integer ranges of expressions: what values an expression can take, from
// its constants (literals, macros, enumerators), its operators (masks,
// shifts, remainders, divisions), the kernel's bounding macros (min, max,
// clamp, BIT, GENMASK, FIELD_GET), bit searches bounded by their size
// argument, and the types of its operands (a u32, a bit-field, a cast).
// Names, members and calls are asked of a LeafFacts (origins.ts), which
// follows them to where their values come from.

import type { SyntaxNode } from '../../../src/frontend/parse';
import { parsedConstantBody } from '../../../src/types/macro-bodies';
import { callArguments } from '../../../src/frontend/syntax';
import type { Typer } from '../../../src/types/typer';
import { integerLiteralValue } from '../../../src/types/literals';
import * as I from './interval';
import type { Interval } from './interval';

/** A range with the fact that decided it, in words, and where that fact is. */
export interface Bound {
  range: Interval;
  /** E.g. `masked with 0x7f`, `read from readl(), a 32-bit register`. */
  why: string;
  at: SyntaxNode;
  /** True when the range comes only from a type (`'x' is u32`): the weakest kind of reason. */
  fromType?: boolean;
}

/** Ranges of names, members and calls, known from where their values come from. */
export interface LeafFacts {
  leaf(node: SyntaxNode, depth: number): Bound | null;
}

const MAX_DEPTH = 6;

/** Calls that return a bit number or a count of bits: at most 64 (ffs-style functions return -1 or 0 for none). */
const BIT_NUMBER_FUNCTIONS = new Set([
  'ffs', 'fls', '__ffs', '__fls', 'ffz', 'fls64', '__ffs64', 'fls_long', '__fls_long', 'ilog2', 'order_base_2', 'get_order',
  'hweight8', 'hweight16', 'hweight32', 'hweight64', 'hweight_long', 'count_order', 'bits_per',
]);

/** Bit searches: the result is a bit number below the size argument, or the size itself when nothing is found. */
export const BIT_SEARCHES: Record<string, number> = {
  find_first_bit: 1,
  find_first_zero_bit: 1,
  find_last_bit: 1,
  find_next_bit: 1,
  find_next_zero_bit: 1,
  find_next_and_bit: 2,
  find_next_andnot_bit: 2,
  find_first_and_bit: 2,
  find_nth_bit: 1,
  bitmap_weight: 1,
  bitmap_find_free_region: 1,
  bitmap_find_next_zero_area: 1,
};

const U32_MAX = (1n << 32n) - 1n;
/** No kernel object is 2 GiB or larger: sizeof and ARRAY_SIZE stay below this. */
const OBJECT_SIZE_LIMIT = (1n << 31n) - 1n;

export class RangeEvaluator {
  private readonly constants = new Map<string, Bound | null>();

  constructor(
    private readonly typer: Typer | null,
    private readonly leaves: LeafFacts | null,
  ) {}

  /** The range of an expression, or null when nothing bounds it more than 128 bits would. */
  rangeOf(node: SyntaxNode, depth = 0): Bound | null {
    if (depth > MAX_DEPTH) return null;
    const structural = this.structural(node, depth);
    const typed = this.typeRange(node);
    if (!structural) return typed;
    if (!typed || I.within(structural.range, typed.range)) return structural;
    // The operator's result wraps in its type: the type bounds it more tightly.
    return typed;
  }

  private typeRange(node: SyntaxNode): Bound | null {
    if (!this.typer) return null;
    const typed = this.typer.typeOf(node);
    const info = this.typer.integerInfo(typed.type);
    if (!info || info.name === '__int128' || info.name === 'unsigned __int128') return null;
    if (typed.bitWidth !== undefined && typed.bitWidth < info.bits) {
      return { range: I.rangeOfType({ bits: typed.bitWidth, signed: info.signed }), why: `'${clip(node.text)}' is a ${typed.bitWidth}-bit bit-field`, at: node };
    }
    return { range: I.rangeOfType(info), why: `'${clip(node.text)}' is ${info.name}`, at: node, fromType: true };
  }

  private structural(node: SyntaxNode, depth: number): Bound | null {
    switch (node.type) {
      case 'number_literal': {
        const value = integerLiteralValue(node.text);
        return value === null ? null : { range: I.exactly(value), why: `the constant ${node.text}`, at: node };
      }
      case 'char_literal':
        return { range: I.interval(-128n, 255n), why: 'a character constant', at: node };
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((c) => c.type !== 'comment');
        return inner && inner.type !== 'compound_statement' ? this.rangeOf(inner, depth) : null;
      }
      case 'cast_expression': {
        const value = node.childForFieldName('value');
        const inner = value ? this.rangeOf(value, depth + 1) : null;
        const typed = this.typeRange(node);
        if (inner && (!typed || I.within(inner.range, typed.range))) return inner;
        return typed ? { ...typed, why: `cast to ${node.childForFieldName('type')?.text ?? 'a narrower type'}`, fromType: false } : null;
      }
      case 'sizeof_expression':
      case 'alignof_expression':
      case 'offsetof_expression':
        return { range: I.interval(0n, OBJECT_SIZE_LIMIT), why: `${node.text.split(/[\s(]/)[0]} is the size of an object`, at: node };
      case 'unary_expression':
        return this.unary(node, depth);
      case 'binary_expression':
        return this.binary(node, depth);
      case 'conditional_expression':
        return this.conditional(node, depth);
      case 'call_expression':
        return this.call(node, depth) ?? this.leaves?.leaf(node, depth + 1) ?? null;
      case 'identifier':
        // A local or parameter hides a file-scope constant of its name.
        if (this.typer?.localDeclaration(node)) return this.leaves?.leaf(node, depth + 1) ?? null;
        return this.constant(node.text, node) ?? this.leaves?.leaf(node, depth + 1) ?? null;
      case 'field_expression':
      case 'subscript_expression':
      case 'pointer_expression':
        return this.leaves?.leaf(node, depth + 1) ?? null;
      default:
        return null;
    }
  }

  private unary(node: SyntaxNode, depth: number): Bound | null {
    const op = node.child(0)?.type;
    if (op === '!') return { range: I.interval(0n, 1n), why: 'a truth value', at: node };
    const argument = node.childForFieldName('argument');
    const inner = argument ? this.rangeOf(argument, depth + 1) : null;
    if (!inner) return null;
    if (op === '-') return { ...inner, range: I.negate(inner.range) };
    if (op === '+') return inner;
    return null;
  }

  private binary(node: SyntaxNode, depth: number): Bound | null {
    const op = node.childForFieldName('operator')?.type ?? '';
    if (['==', '!=', '<', '>', '<=', '>=', '&&', '||'].includes(op)) return { range: I.interval(0n, 1n), why: 'a truth value', at: node };
    const leftNode = node.childForFieldName('left');
    const rightNode = node.childForFieldName('right');
    if (!leftNode || !rightNode) return null;
    const left = this.rangeOf(leftNode, depth + 1);
    const right = this.rangeOf(rightNode, depth + 1);
    switch (op) {
      case '&': {
        // A mask needs one bounded side only.
        const masks = [left, right].filter((b): b is Bound => !!b && I.isNonNegative(b.range));
        if (!masks.length) return null;
        const tightest = masks.reduce((a, b) => (b.range.hi < a.range.hi ? b : a));
        const range = I.and(left?.range ?? tightest.range, right?.range ?? tightest.range)!;
        const maskNode = tightest === left ? leftNode : rightNode;
        return { range, why: `masked with ${clip(maskNode.text)}`, at: node };
      }
      case '>>': {
        if (!right) return null;
        const shifted = left ? I.shiftRight(left.range, right.range) : null;
        if (!shifted) return null;
        return { range: shifted, why: `shifted right by ${clip(rightNode.text)}`, at: node };
      }
      case '%': {
        if (!right) return null;
        const reduced = I.remainder(left?.range ?? I.interval(0n, right.range.hi), right.range);
        if (!reduced || (!left && !this.unsigned(leftNode))) return null;
        return { range: reduced, why: `reduced modulo ${clip(rightNode.text)}`, at: node };
      }
      case '/': {
        if (!left || !right) return null;
        const divided = I.divide(left.range, right.range);
        return divided ? { range: divided, why: `${left.why}, divided by ${clip(rightNode.text)}`, at: left.at } : null;
      }
      case '+':
      case '-':
      case '*':
      case '<<':
      case '|':
      case '^': {
        if (!left || !right) return null;
        const range =
          op === '+' ? I.add(left.range, right.range)
          : op === '-' ? I.subtract(left.range, right.range)
          : op === '*' ? I.multiply(left.range, right.range)
          : op === '<<' ? I.shiftLeft(left.range, right.range)
          : I.or(left.range, right.range);
        if (!range) return null;
        const decisive = strongest(left, right);
        return { range, why: decisive.why, at: decisive.at, ...(left.fromType && right.fromType ? { fromType: true } : {}) };
      }
      default:
        return null;
    }
  }

  private unsigned(node: SyntaxNode): boolean {
    return !!this.typer && this.typer.integerOf(node)?.signed === false;
  }

  private conditional(node: SyntaxNode, depth: number): Bound | null {
    const consequence = node.childForFieldName('consequence') ?? node.childForFieldName('condition');
    const alternative = node.childForFieldName('alternative');
    if (!consequence || !alternative) return null;
    const a = this.rangeOf(consequence, depth + 1);
    const b = this.rangeOf(alternative, depth + 1);
    if (!a || !b) return null;
    const decisive = strongest(a, b);
    return { range: I.union(a.range, b.range), why: decisive.why, at: decisive.at, ...(a.fromType && b.fromType ? { fromType: true } : {}) };
  }

  /** Kernel macros and helpers whose result is bounded by their arguments. */
  private call(node: SyntaxNode, depth: number): Bound | null {
    const name = node.childForFieldName('function')?.text ?? '';
    const args = callArguments(node);
    const arg = (i: number): Bound | null => (args[i] ? this.rangeOf(args[i], depth + 1) : null);
    switch (name) {
      case 'min':
      case 'min_t':
      case 'min3':
      case 'min_not_zero': {
        const operands = (name === 'min_t' ? args.slice(1) : args).map((a) => ({ node: a, bound: this.rangeOf(a, depth + 1) }));
        const bounded = operands.filter((o) => o.bound && I.isNonNegative(o.bound.range));
        if (!bounded.length || operands.some((o) => !o.bound && !this.unsigned(o.node)) && name !== 'min_t') return null;
        const cap = bounded.reduce((a, b) => (b.bound!.range.hi < a.bound!.range.hi ? b : a));
        const lo = operands.every((o) => o.bound) ? operands.map((o) => o.bound!.range.lo).reduce((a, b) => (b < a ? b : a)) : 0n;
        if (lo < 0n && name === 'min_t') return null;
        return { range: I.interval(lo < 0n ? lo : 0n, cap.bound!.range.hi), why: `capped by ${name}(..., ${clip(cap.node.text)})`, at: node };
      }
      case 'max':
      case 'max_t':
      case 'max3': {
        const operands = (name === 'max_t' ? args.slice(1) : args).map((a) => this.rangeOf(a, depth + 1));
        if (operands.some((o) => !o)) return null;
        const range = operands.map((o) => o!.range).reduce(I.maximum);
        return { range, why: `${name}() of bounded values`, at: node };
      }
      case 'clamp':
      case 'clamp_t':
      case 'clamp_val': {
        const offset = name === 'clamp_t' ? 1 : 0;
        const [low, high] = [arg(offset + 1), arg(offset + 2)];
        if (!low || !high) return null;
        return { range: I.interval(low.range.lo, high.range.hi), why: `clamped to ${clip(args[offset + 1].text)}..${clip(args[offset + 2].text)}`, at: node };
      }
      case 'BIT':
      case 'BIT_ULL':
      case '_BITUL':
      case '_BITULL': {
        const bit = arg(0);
        const range = bit ? I.shiftLeft(I.exactly(1n), bit.range) : null;
        return range ? { range, why: `${node.text}`, at: node } : null;
      }
      case 'GENMASK':
      case 'GENMASK_ULL': {
        const [high, low] = [arg(0), arg(1)];
        if (!high || !low || high.range.lo !== high.range.hi || low.range.lo !== low.range.hi) return null;
        const mask = ((1n << (high.range.hi + 1n)) - 1n) & ~((1n << low.range.lo) - 1n);
        return { range: I.exactly(mask), why: `${node.text}`, at: node };
      }
      case 'FIELD_GET':
      case 'FIELD_PREP': {
        const mask = arg(0);
        if (!mask || mask.range.lo !== mask.range.hi || mask.range.hi <= 0n) return null;
        let field = mask.range.hi;
        if (name === 'FIELD_GET') while ((field & 1n) === 0n) field >>= 1n;
        return { range: I.interval(0n, field), why: `${name}(${clip(args[0].text)}, ...)`, at: node };
      }
      case '_AC':
      case 'UL':
      case 'ULL':
      case '_UL':
      case '_ULL':
      case 'U32_C':
      case 'U64_C':
        return arg(0);
      case 'lower_32_bits':
      case 'upper_32_bits':
        return { range: I.interval(0n, U32_MAX), why: `${name}() is a 32-bit half`, at: node };
      case 'ARRAY_SIZE':
        return { range: I.interval(0n, OBJECT_SIZE_LIMIT), why: 'ARRAY_SIZE() is the length of an array', at: node };
      case 'DIV_ROUND_UP': {
        const [a, b] = [arg(0), arg(1)];
        const divided = a && b ? I.divide(I.add(a.range, I.subtract(b.range, I.exactly(1n))), b.range) : null;
        return divided && a ? { range: divided, why: `${a.why}, divided by ${clip(args[1].text)}`, at: a.at } : null;
      }
    }
    if (BIT_NUMBER_FUNCTIONS.has(name)) return { range: I.interval(-1n, 64n), why: `${name}() returns a bit number`, at: node };
    const sizeArgument = BIT_SEARCHES[name];
    if (sizeArgument !== undefined) {
      const size = arg(sizeArgument);
      if (!size || size.range.lo < 0n) return null;
      return { range: I.interval(0n, size.range.hi), why: `${name}() returns a bit number at most its size argument '${clip(args[sizeArgument].text)}' (${size.why})`, at: node };
    }
    return null;
  }

  /** An object-like macro or an enumerator with a written value: its constant value. */
  private constant(name: string, node: SyntaxNode): Bound | null {
    if (this.constantSource) return this.constantSource.constant(name, node);
    if (this.constants.has(name)) {
      const known = this.constants.get(name)!;
      return known ? { ...known, at: node } : null;
    }
    this.constants.set(name, null);
    const body = this.constantText(name);
    let bound: Bound | null = null;
    const parenthesised = body === null ? null : parsedConstantBody(body).expression;
    if (parenthesised) {
      const value = new RangeEvaluator(null, null).withConstants(this).rangeOf(parenthesised);
      if (value && value.range.lo === value.range.hi) bound = { range: value.range, why: `${name} is ${I.show(value.range)}`, at: node };
    }
    this.constants.set(name, bound);
    return bound;
  }

  private constantSource: RangeEvaluator | null = null;

  /** Macro bodies are parsed alone: the names in them are still looked up in the file's scope. */
  private withConstants(source: RangeEvaluator): this {
    this.constantSource = source;
    return this;
  }

  private constantText(name: string): string | null {
    if (!this.typer) return null;
    const macro = this.typer.scope.lookup('macro', name);
    const ordinary = this.typer.scope.lookup('ordinary', name, ['variable', 'enumerator']);
    if (macro && (!ordinary || macro.tier <= ordinary.tier)) return (macro.decls[0] as { body?: string }).body ?? null;
    const enumerator = ordinary?.decls[0];
    if (enumerator?.kind === 'enumerator' && enumerator.value !== undefined) return enumerator.value;
    return null;
  }
}

/** Of two bounds, the one whose reason says more: a fact about the value beats a type. */
function strongest(a: Bound, b: Bound): Bound {
  if (a.fromType !== b.fromType) return a.fromType ? b : a;
  return a.range.hi - a.range.lo <= b.range.hi - b.range.lo ? a : b;
}

export function clip(text: string, max = 40): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}
