// Ranges of locals and parameters from the control flow around a use: a
// guarding comparison that dominates it (`if (x > 0xff) return -EINVAL;`
// before `narrow = x`), a constant assigned on every path, a loop counter
// bounded by its loop condition. A domain on the flow engine: the state
// maps each variable to the interval known for it on the path.

import type { SyntaxNode } from '../../../src/frontend/parse';
import { runFlow, FlowResult } from '../../../src/analysis/flow/engine';
import type { FlowDomain } from '../../../src/analysis/flow/domain';
import type { Typer } from '../../../src/types/typer';
import * as I from './interval';
import type { Interval } from './interval';
import { RangeEvaluator } from './ranges';
import { enclosingFunction } from '../../../src/frontend/syntax';
import { unparenthesised } from '../../../src/analysis/conversions';

export interface GuardFact {
  range: Interval;
  why: string;
  at: SyntaxNode;
}

type State = Map<string, GuardFact>;

const COMPARISONS = new Set(['<', '<=', '>', '>=', '==', '!=']);
const MIRRORED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' };

export class Guards {
  private readonly runs = new Map<number, FlowResult<State>>();
  private readonly constants: RangeEvaluator;

  constructor(private readonly typer: Typer) {
    this.constants = new RangeEvaluator(typer, null);
  }

  /** What the paths reaching a use of a local or parameter (or of `*pointer`) know of its value. */
  factAt(use: SyntaxNode): GuardFact | null {
    const key = this.keyOf(use);
    const fn = enclosingFunction(use);
    if (!key || !fn) return null;
    let run = this.runs.get(fn.id);
    if (!run) {
      run = runFlow(fn, this.domain(), { recordBefore: (node) => node.type === 'identifier' || node.type === 'pointer_expression' });
      this.runs.set(fn.id, run);
    }
    return run.stateBefore(use)?.get(key) ?? null;
  }

  /** A local or parameter, or what a local pointer points to (`*index`). */
  private keyOf(node: SyntaxNode): string | null {
    const n = unparenthesised(node);
    if (n.type === 'pointer_expression' && n.child(0)?.type === '*') {
      const pointer = n.childForFieldName('argument');
      const key = pointer && unparenthesised(pointer).type === 'identifier' ? this.keyOf(pointer) : null;
      return key ? `*${key}` : null;
    }
    if (n.type !== 'identifier') return null;
    const declaration = this.typer.localDeclaration(n);
    return declaration ? `${declaration.declaredAt}:${declaration.name}` : null;
  }

  private limitOf(variable: SyntaxNode): Interval | null {
    const type = this.typer.integerOf(variable);
    return type ? I.rangeOfType(type) : null;
  }

  private domain(): FlowDomain<State> {
    return {
      initial: () => new Map(),
      clone: (state) => new Map(state),
      join: (states) => {
        const [first, ...rest] = states;
        const out: State = new Map();
        for (const [key, fact] of first) {
          let range: Interval | null = fact.range;
          for (const other of rest) {
            const there = other.get(key);
            range = there && range ? I.union(range, there.range) : null;
          }
          if (range) out.set(key, { ...fact, range });
        }
        return out;
      },
      equals: (a, b) => a.size === b.size && [...a].every(([key, fact]) => {
        const other = b.get(key);
        return !!other && other.range.lo === fact.range.lo && other.range.hi === fact.range.hi;
      }),
      // A bound that keeps moving round a loop is dropped; one that holds stays (a counter from 0 keeps its 0).
      widen: (previous, next) => {
        const out: State = new Map();
        for (const [key, fact] of next) {
          const before = previous.get(key);
          if (!before) continue;
          if (before.range.lo === fact.range.lo && before.range.hi === fact.range.hi) out.set(key, fact);
          else if (before.range.lo === fact.range.lo) out.set(key, { ...fact, range: { lo: fact.range.lo, hi: TOP } });
          else if (before.range.hi === fact.range.hi) out.set(key, { ...fact, range: { lo: -TOP, hi: fact.range.hi } });
        }
        return out;
      },
      expression: (node, state) => this.written(node, state),
      // A call may write through any pointer it can reach.
      call: (_node, state) => {
        for (const key of [...state.keys()]) if (key.startsWith('*')) state.delete(key);
      },
      assume: (condition, outcome, state) => this.assume(condition, outcome, state),
    };
  }

  /** An assignment forgets what was known, or learns a constant; `++` and `--` move a known range. */
  private written(node: SyntaxNode, state: State): void {
    let target: SyntaxNode | null = null;
    let value: SyntaxNode | null = null;
    if (node.type === 'assignment_expression') {
      target = node.childForFieldName('left');
      if (node.childForFieldName('operator')?.type === '=') value = node.childForFieldName('right');
    } else if (node.type === 'init_declarator') {
      target = declaredIdentifier(node.childForFieldName('declarator'));
      value = node.childForFieldName('value');
    } else if (node.type === 'update_expression') {
      const argument = node.childForFieldName('argument');
      const key = argument ? this.keyOf(argument) : null;
      const fact = key ? state.get(key) : undefined;
      if (!key || !fact) return;
      const step = node.text.includes('++') ? 1n : -1n;
      state.set(key, { ...fact, range: I.add(fact.range, I.exactly(step)) });
      return;
    }
    const key = target ? this.keyOf(target) : null;
    if (!key) return;
    state.delete(`*${key}`);
    const bound = value ? this.constants.rangeOf(value) : null;
    if (bound && !bound.fromType && bound.range.lo === bound.range.hi) state.set(key, { range: bound.range, why: `set to ${value!.text}`, at: value! });
    else state.delete(key);
  }

  /** `x > C` known true or false bounds x; an impossible outcome ends the path. */
  private assume(condition: SyntaxNode, outcome: boolean, state: State): State | null | void {
    if (condition.type !== 'binary_expression') return;
    let op = condition.childForFieldName('operator')?.type ?? '';
    if (!COMPARISONS.has(op)) return;
    let variable = unparenthesised(condition.childForFieldName('left')!);
    let other = condition.childForFieldName('right')!;
    if (!this.keyOf(variable)) {
      [variable, other] = [unparenthesised(other), variable];
      op = MIRRORED[op];
    }
    const key = this.keyOf(variable);
    // The other side bounds the variable by its value or, failing that, by its type (`*index < nvram_size`, an unsigned int).
    const constant = key ? this.constants.rangeOf(other) : null;
    if (!key || !constant) return;
    const implied = implication(outcome ? op : negate(op), constant.range);
    if (!implied) return;
    const limit = this.limitOf(variable) ?? { lo: -TOP, hi: TOP };
    const known = state.get(key)?.range ?? limit;
    const lo = [known.lo, implied.lo, limit.lo].reduce((a, b) => (b > a ? b : a));
    const hi = [known.hi, implied.hi, limit.hi].reduce((a, b) => (b < a ? b : a));
    if (lo > hi) return null;
    const check = outcome ? condition.text : `!(${condition.text})`;
    state.set(key, { range: { lo, hi }, why: `checked by '${check}'`, at: condition });
  }
}

const TOP = 1n << 128n;

/** The values of x for which `x op c` holds, for every c in `constant`. */
function implication(op: string, constant: Interval): Interval | null {
  switch (op) {
    case '<': return { lo: -TOP, hi: constant.hi - 1n };
    case '<=': return { lo: -TOP, hi: constant.hi };
    case '>': return { lo: constant.lo + 1n, hi: TOP };
    case '>=': return { lo: constant.lo, hi: TOP };
    case '==': return constant;
    default: return null;
  }
}

function negate(op: string): string {
  return { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' }[op]!;
}

function declaredIdentifier(declarator: SyntaxNode | null): SyntaxNode | null {
  let node = declarator;
  while (node && node.type !== 'identifier') node = node.childForFieldName('declarator');
  return node;
}

