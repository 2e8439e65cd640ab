// What a forward data-flow analysis provides to the flow engine: its state
// type and how states are copied, met and refined. The engine owns the
// control flow; a domain owns the meaning.

import type { SyntaxNode } from '../../frontend/syntax-table';

/**
 * A hook may change the state it is given in place (and return nothing), or
 * return a replacement. `assume` may also return null: that outcome of the
 * condition cannot happen on this path.
 */
export type Transfer<S> = S | void;

export interface FlowDomain<S> {
  /** The state on entry to the function body. */
  initial(): S;
  /** An independent copy: the engine clones before a state goes down two paths. */
  clone(state: S): S;
  /**
   * Paths meeting (after an if, at a label, at a loop head or exit). Always
   * given two or more states, in document order of the paths where there is
   * one (then before else, the fall-through before gotos). The engine does
   * not use the given states afterwards, so the result may be one of them.
   * A may-analysis unites, a must-analysis intersects: the domain decides.
   */
  join(states: S[]): S;
  /** Whether two states are the same; with it loops stop as soon as their head state is stable. */
  equals?(a: S, b: S): boolean;
  /**
   * When a loop's head has not settled after the pass bound: a state at
   * least as general as both, for the final pass. Without it the last join is used.
   */
  widen?(previous: S, next: S): S;
  /**
   * The state that goes round a loop's back edge (after the body and the
   * update), before it meets the entry state: a domain can forget here what
   * one iteration may have changed behind its back.
   */
  loopBack?(state: S, loop: SyntaxNode): Transfer<S>;

  /** Before each statement the walk reaches with a state (blocks included). */
  statement?(node: SyntaxNode, state: S): Transfer<S>;
  /**
   * Each expression evaluated, after its operands (post-order, in evaluation
   * order): identifiers, literals, operators, assignments (after the value),
   * init_declarators (after the value), declarations (after their
   * initialisers), return values. Calls go to `call` instead. The left side
   * of an assignment is not passed itself, only what it reads (`i` and `p`
   * in `p->a[i] = v`); an `&x` operand likewise. The `&&`, `||`, `!`,
   * parentheses and commas that shape a condition are not passed; their
   * operands are, and then `assume`.
   */
  expression?(node: SyntaxNode, state: S): Transfer<S>;
  /** Each call, after its arguments were evaluated. */
  call?(node: SyntaxNode, state: S): Transfer<S>;
  /**
   * A condition (a leaf of `&&`/`||`/`!`: `x > 3`, `p`, `f(x)`) known to be
   * true or false on the path about to be taken. Return null when that
   * outcome is impossible in `state`.
   */
  assume?(condition: SyntaxNode, outcome: boolean, state: S): S | null | void;
}
