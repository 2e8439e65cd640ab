// Value facts of one file: the range of an expression, from its operators
// and constants (ranges.ts) and from where its names, members and calls get
// their values (origins.ts). One instance per file and typer.

import type { SyntaxNode } from '../../../src/frontend/parse';
import type { IntInfo } from '../../../src/types/ctype';
import type { Typer } from '../../../src/types/typer';
import { rangeOfType, within } from './interval';
import { Origins } from './origins';
import { Bound, RangeEvaluator } from './ranges';

export class ValueFacts {
  private readonly evaluator: RangeEvaluator;

  constructor(typer: Typer, root: SyntaxNode) {
    const origins = new Origins(typer, root);
    this.evaluator = new RangeEvaluator(typer, origins);
    origins.attach(this.evaluator);
  }

  rangeOf(node: SyntaxNode): Bound | null {
    return this.evaluator.rangeOf(node);
  }

  /** The fact proving that every value of `node` fits `type`, if one does. */
  fits(node: SyntaxNode, type: Pick<IntInfo, 'bits' | 'signed'>): Bound | null {
    const bound = this.rangeOf(node);
    return bound && within(bound.range, rangeOfType(type)) ? bound : null;
  }
}
