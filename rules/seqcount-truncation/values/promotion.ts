// "Wide only by promotion": an expression whose type is 64-bit only because
// of C's usual arithmetic conversions. A `1000UL` or `74L` literal, a
// constant macro such as PAGE_SIZE, or a bit-search helper returning
// unsigned long for a bit number makes `u32_value * 1000UL` an unsigned
// long, while no operand carries a wide quantity of its own. Narrowing such
// a value back loses at most an overflow of the arithmetic, never a counter.

import type { SyntaxNode } from '../../../src/frontend/parse';
import type { Typer } from '../../../src/types/typer';
import { BIT_SEARCHES } from './ranges';

export interface Promotion {
  /** The operand that made the expression wide: a literal, a constant, a bit-search call. */
  culprit: SyntaxNode;
  why: string;
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '&', '|', '^', '<<', '>>']);
const BIT_NUMBERS = new Set(['__ffs', '__fls', 'ffz', '__ffs64', 'fls_long', '__fls_long', 'ilog2', 'hweight_long', ...Object.keys(BIT_SEARCHES)]);

/** If `node` is wide only because a constant or a bit-number helper promoted narrow operands, what did it. */
export function wideOnlyByPromotion(node: SyntaxNode, typer: Typer, narrowBits: number): Promotion | null {
  const culprits: Promotion[] = [];
  let narrowOperands = 0;
  const visit = (n: SyntaxNode): boolean => {
    switch (n.type) {
      case 'parenthesized_expression': {
        const inner = n.namedChildren.find((c) => c.type !== 'comment');
        return !!inner && inner.type !== 'compound_statement' && visit(inner);
      }
      case 'binary_expression':
        if (!ARITHMETIC.has(n.childForFieldName('operator')?.type ?? '')) return leaf(n);
        return visit(n.childForFieldName('left')!) && visit(n.childForFieldName('right')!);
      case 'unary_expression':
        return ['-', '~', '+'].includes(n.child(0)?.type ?? '') ? visit(n.childForFieldName('argument')!) : leaf(n);
      case 'conditional_expression':
        return visit(n.childForFieldName('consequence') ?? n.childForFieldName('condition')!) && visit(n.childForFieldName('alternative')!);
      default:
        return leaf(n);
    }
  };
  const leaf = (n: SyntaxNode): boolean => {
    const type = typer.integerOf(n);
    if (!type) return false;
    if (type.bits <= narrowBits) {
      narrowOperands++;
      return true;
    }
    if (n.type === 'number_literal') return constantCulprit(n, `the literal ${n.text} is ${type.name}`);
    if (n.type === 'sizeof_expression') return constantCulprit(n, `sizeof is size_t`);
    const kind = typer.typeOf(n).origin?.kind;
    if (n.type === 'identifier' && (kind === 'macro' || kind === 'enumerator')) return constantCulprit(n, `the constant ${n.text} is ${type.name}`);
    const callee = n.type === 'call_expression' ? n.childForFieldName('function')?.text : undefined;
    if (callee && BIT_NUMBERS.has(callee)) {
      culprits.push({ culprit: n, why: `${callee}() returns a bit number as ${type.name}` });
      return true;
    }
    return false;
  };
  const constantCulprit = (n: SyntaxNode, why: string): boolean => {
    culprits.push({ culprit: n, why });
    return true;
  };
  if (!visit(node) || !culprits.length) return null;
  // A lone constant is a constant, not a promotion; a bit search alone is a bit number in a wide type.
  if (narrowOperands === 0 && !culprits.some((c) => c.culprit.type === 'call_expression')) return null;
  return culprits[0];
}
