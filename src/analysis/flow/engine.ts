// One forward data-flow walk over a function body, generic over the state
// (see domain.ts). It follows C's control flow exactly: branches with both
// outcomes of each condition (`&&`/`||`/`!` split into their operands),
// switch with fall-through, loops with break/continue iterated to a fix
// point within a bound, gotos forward and backward, early returns, `#if`
// groups as two possible builds, statement expressions. Broken code (ERROR
// nodes) is walked as a plain sequence.

import type { SyntaxNode } from '../../frontend/syntax-table';
import { GotoStates, JumpTargets } from './control';
import type { FlowDomain, Transfer } from './domain';

export interface FlowOptions {
  /**
   * Keep a copy of the state just before each statement and expression
   * (true), or before the nodes a filter accepts. Off by default: a walk
   * that reports as it goes pays nothing for it.
   */
  recordBefore?: boolean | ((node: SyntaxNode) => boolean);
  /**
   * Passes over a loop body (and over the function, for backward gotos) at
   * most; the last one runs from the widened head state. Default: 3 when
   * the domain has `equals` (passes stop once the head is stable), else 2.
   */
  maxPasses?: number;
}

export interface FlowResult<S> {
  /** The state at each `return` reached (after its value), in text order. */
  returns: { node: SyntaxNode; state: S }[];
  /** The state falling off the end of the body; null when every path returns or jumps away. */
  end: S | null;
  /** Every path leaving the function (returns and the end) joined; null when none does. */
  exit: S | null;
  /** With recordBefore: the state just before a node; undefined when no path reaches it (or it was not recorded). */
  stateBefore(node: SyntaxNode): S | undefined;
}

/** Runs `domain` over a function body (a compound statement, or a function_definition for its body). */
export function runFlow<S>(body: SyntaxNode, domain: FlowDomain<S>, options: FlowOptions = {}): FlowResult<S> {
  return new FlowWalk(body.type === 'function_definition' ? body.childForFieldName('body')! : body, domain, options).run();
}

type Branches<S> = [whenTrue: S | null, whenFalse: S | null];

/** Statements and declarations that neither evaluate anything nor change control flow. */
const INERT_STATEMENTS = new Set([
  'comment', 'preproc_def', 'preproc_function_def', 'preproc_call', 'preproc_include', 'type_definition',
  'struct_specifier', 'union_specifier', 'enum_specifier', 'empty_statement',
]);

/** Children of an expression that are types, names or spelling, not values. */
const NOT_EVALUATED = new Set([
  'type_descriptor', 'primitive_type', 'type_identifier', 'sized_type_specifier', 'struct_specifier', 'union_specifier',
  'enum_specifier', 'macro_type_specifier', 'field_identifier', 'statement_identifier', 'comment', 'field_designator',
  'subscript_designator', 'subscript_range_designator', 'escape_sequence', 'string_content', 'storage_class_specifier',
  'type_qualifier', 'attribute_specifier', 'attribute_declaration', 'ms_declspec_modifier', 'preproc_def',
  'preproc_function_def', 'preproc_call', 'preproc_if', 'preproc_ifdef',
]);

/** Expressions whose operands are not evaluated at run time. */
const UNEVALUATED_OPERANDS = new Set(['sizeof_expression', 'alignof_expression', 'offsetof_expression', 'string_literal', 'concatenated_string', 'char_literal']);

const PREPROCESSOR_GROUPS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef', 'preproc_else']);

class FlowWalk<S> {
  private readonly targets = new JumpTargets<S>();
  private readonly gotos: GotoStates<S>;
  private readonly labels: number[];
  private readonly maxPasses: number;
  private readonly before: Map<number, S> | null;
  private readonly recordFilter: ((node: SyntaxNode) => boolean) | null;
  private returns = new Map<number, { node: SyntaxNode; state: S }>();

  constructor(
    private readonly body: SyntaxNode,
    private readonly domain: FlowDomain<S>,
    options: FlowOptions,
  ) {
    this.gotos = new GotoStates(body);
    this.labels = body.descendantsOfType(['labeled_statement', 'case_statement']).map((l) => l.index);
    this.maxPasses = Math.max(1, options.maxPasses ?? (domain.equals ? 3 : 2));
    this.before = options.recordBefore ? new Map() : null;
    this.recordFilter = typeof options.recordBefore === 'function' ? options.recordBefore : null;
  }

  run(): FlowResult<S> {
    let end: S | null = null;
    // A backward goto's state reaches its label on the next pass, as a loop's back edge does.
    for (let pass = 1; ; pass++) {
      this.gotos.backwardChanged = false;
      this.returns = new Map();
      this.before?.clear();
      end = this.statement(this.body, this.domain.initial());
      if (!this.gotos.backwardChanged || pass >= this.maxPasses) break;
    }
    const returns = [...this.returns.values()].sort((a, b) => a.node.startIndex - b.node.startIndex);
    const leaving = [end === null ? null : this.domain.clone(end), ...returns.map((r) => this.domain.clone(r.state))];
    const before = this.before;
    return {
      returns,
      end,
      exit: this.join(leaving),
      stateBefore: (node) => before?.get(node.id),
    };
  }

  // -------------------------------------------------------------------------
  // Statements: each takes a state (null: no path reaches it) and returns the
  // state that falls through to the next statement (null: none does).

  private statement(node: SyntaxNode, state: S | null): S | null {
    if (node.type === 'labeled_statement' || node.type === 'case_statement') state = this.arrivingAt(node, state);
    // An unreachable statement matters only if a goto or a case label may jump into it.
    else if (state === null && !this.holdsLabel(node)) return null;
    if (state !== null) {
      this.record(node, state);
      state = this.apply(this.domain.statement?.(node, state), state);
    }
    switch (node.type) {
      case 'compound_statement':
      case 'translation_unit':
      case 'else_clause':
      case 'attributed_statement':
      case 'ERROR':
        return this.sequence(node.namedChildren, state);
      case 'labeled_statement':
      case 'case_statement':
        return this.sequence(node.namedChildren.filter((c) => c.type !== 'statement_identifier' && c.fieldName !== 'value'), state);
      case 'if_statement':
        return this.ifStatement(node, state);
      case 'switch_statement':
        return this.switchStatement(node, state);
      case 'while_statement':
      case 'for_statement':
      case 'do_statement':
        return this.loop(node, state);
      case 'function_definition': {
        // Inside a body, only a misparse: an unknown macro before a block (`foo(x) __bar { ... }`) reads as one.
        const block = node.childForFieldName('body');
        return block ? this.statement(block, state) : state;
      }
    }
    if (PREPROCESSOR_GROUPS.has(node.type)) return this.preprocessorGroup(node, state);
    if (state === null) return null;
    switch (node.type) {
      case 'return_statement': {
        const after = this.evaluateAll(node.namedChildren, state);
        if (after !== null) this.returns.set(node.id, { node, state: after });
        return null;
      }
      case 'goto_statement':
        this.gotos.record(node, state, this.domain.equals ?? (() => false));
        return null;
      case 'break_statement':
        this.targets.breakWith(state);
        return null;
      case 'continue_statement':
        this.targets.continueWith(state);
        return null;
      case 'expression_statement':
        return this.evaluateAll(node.namedChildren, state);
    }
    if (INERT_STATEMENTS.has(node.type)) return state;
    return this.evaluate(node, state);
  }

  private sequence(children: SyntaxNode[], state: S | null): S | null {
    for (const child of children) state = this.statement(child, state);
    return state;
  }

  /** The state at a label: the path falling into it joined with those that jump to it (gotos, or the switch for a case label). */
  private arrivingAt(node: SyntaxNode, state: S | null): S | null {
    if (node.type === 'labeled_statement') {
      return this.join([state, ...this.gotos.arriving(node).map((s) => this.domain.clone(s))]);
    }
    const frame = this.targets.innermostSwitch();
    if (frame && !node.childForFieldName('value')) frame.hasDefault = true;
    return this.join([frame?.switchEntry ? this.domain.clone(frame.switchEntry) : null, state]);
  }

  private ifStatement(node: SyntaxNode, state: S | null): S | null {
    const [whenTrue, whenFalse] = this.condition(node.childForFieldName('condition')!, state);
    const consequence = node.childForFieldName('consequence');
    const alternative = node.childForFieldName('alternative');
    const afterThen = consequence ? this.statement(consequence, whenTrue) : whenTrue;
    const afterElse = alternative ? this.statement(alternative, whenFalse) : whenFalse;
    return this.join([afterThen, afterElse]);
  }

  /** `#if` in a body: the group or its alternative (`#else`, `#elif`, or nothing) is the one built. */
  private preprocessorGroup(node: SyntaxNode, state: S | null): S | null {
    const skipped = new Set(['condition', 'name', 'alternative']);
    const inside = node.namedChildren.filter((_, i) => !skipped.has(node.fieldNameForNamedChild(i) ?? ''));
    const alternative = node.childForFieldName('alternative');
    const other = state === null ? null : this.domain.clone(state);
    const taken = this.sequence(inside, state);
    const notTaken = alternative ? this.statement(alternative, other) : other;
    return this.join([taken, notTaken]);
  }

  private switchStatement(node: SyntaxNode, state: S | null): S | null {
    const condition = node.childForFieldName('condition');
    const entry = state !== null && condition ? this.evaluate(condition, state) : state;
    const frame = this.targets.enter('switch', entry);
    const body = node.childForFieldName('body');
    // Code before the first case label is not reached from the switch.
    const fallen = body ? this.statement(body, null) : null;
    this.targets.leave();
    const skipped = frame.hasDefault ? null : entry;
    return this.join([skipped, fallen, ...frame.breaks]);
  }

  /**
   * A loop: the body runs from the head state, which is the entry state
   * joined with what comes round the back edge; passes repeat until the
   * head is stable (domain.equals) or the bound is reached.
   */
  private loop(node: SyntaxNode, state: S | null): S | null {
    const isDo = node.type === 'do_statement';
    const initializer = node.childForFieldName('initializer');
    const entry = initializer && state !== null ? this.evaluate(initializer, state) : state;
    const condition = node.childForFieldName('condition');
    const updates = node.childrenForFieldName('update');
    const body = node.childForFieldName('body');
    let head = entry === null ? null : this.domain.clone(entry);
    let exits: (S | null)[] = [];
    for (let pass = 1; ; pass++) {
      exits = [];
      const start = head === null ? null : this.domain.clone(head);
      let bodyIn = start;
      if (!isDo && condition) {
        const [whenTrue, whenFalse] = this.condition(condition, start);
        bodyIn = whenTrue;
        exits.push(whenFalse);
      }
      const frame = this.targets.enter('loop');
      const afterBody = body ? this.statement(body, bodyIn) : bodyIn;
      this.targets.leave();
      let back = this.join([afterBody, ...frame.continues]);
      if (isDo && condition) {
        const [whenTrue, whenFalse] = this.condition(condition, back);
        back = whenTrue;
        exits.push(whenFalse);
      } else {
        for (const update of updates) back = back === null ? null : this.evaluate(update, back);
      }
      exits.push(...frame.breaks);
      if (back === null || pass >= this.maxPasses) break;
      back = this.apply(this.domain.loopBack?.(back, node), back);
      const nextHead = this.join([entry === null ? null : this.domain.clone(entry), back])!;
      if (head !== null && this.domain.equals?.(nextHead, head)) break;
      const final = pass + 1 >= this.maxPasses;
      head = final && head !== null && this.domain.widen ? this.domain.widen(head, nextHead) : nextHead;
    }
    return this.join(exits);
  }

  // -------------------------------------------------------------------------
  // Conditions: the states in which a condition is true and false.

  private condition(node: SyntaxNode, state: S | null): Branches<S> {
    if (state === null) return [null, null];
    this.record(node, state);
    switch (node.type) {
      case 'parenthesized_expression': {
        const inner = node.namedChildren.filter((c) => c.type !== 'comment');
        if (inner.length === 1 && inner[0].type !== 'compound_statement') return this.condition(inner[0], state);
        break;
      }
      case 'unary_expression':
        if (operatorOf(node) === '!') {
          const [whenTrue, whenFalse] = this.condition(node.childForFieldName('argument')!, state);
          return [whenFalse, whenTrue];
        }
        break;
      case 'binary_expression': {
        const operator = operatorOf(node);
        if (operator === '&&') {
          const [leftTrue, leftFalse] = this.condition(node.childForFieldName('left')!, state);
          const [rightTrue, rightFalse] = this.condition(node.childForFieldName('right')!, leftTrue);
          return [rightTrue, this.join([leftFalse, rightFalse])];
        }
        if (operator === '||') {
          const [leftTrue, leftFalse] = this.condition(node.childForFieldName('left')!, state);
          const [rightTrue, rightFalse] = this.condition(node.childForFieldName('right')!, leftFalse);
          return [this.join([leftTrue, rightTrue]), rightFalse];
        }
        break;
      }
      case 'comma_expression':
        return this.condition(node.childForFieldName('right')!, this.evaluate(node.childForFieldName('left')!, state));
    }
    const after = this.evaluate(node, state);
    if (after === null) return [null, null];
    const constant = constantTruth(node);
    if (constant !== undefined) return constant ? [after, null] : [null, after];
    const copy = this.domain.clone(after);
    return [this.assume(node, true, copy), this.assume(node, false, after)];
  }

  private assume(node: SyntaxNode, outcome: boolean, state: S): S | null {
    if (!this.domain.assume) return state;
    const refined = this.domain.assume(node, outcome, state);
    return refined === undefined ? state : refined;
  }

  // -------------------------------------------------------------------------
  // Expressions, in evaluation order; each returns the state after it (null
  // when a statement expression inside it jumps away).

  private evaluateAll(nodes: SyntaxNode[], state: S | null): S | null {
    for (const node of nodes) {
      if (state === null) return null;
      if (!NOT_EVALUATED.has(node.type)) state = this.evaluate(node, state);
    }
    return state;
  }

  private evaluate(node: SyntaxNode, state: S): S | null {
    this.record(node, state);
    let after: S | null = state;
    switch (node.type) {
      case 'compound_statement':
        // A statement expression, `({ ... })`.
        return this.statement(node, state);
      case 'call_expression': {
        const callee = node.childForFieldName('function')!;
        if (callee.type !== 'identifier') after = this.evaluate(callee, after);
        after = this.evaluateAll(node.childForFieldName('arguments')?.namedChildren ?? [], after);
        return after === null ? null : this.apply(this.domain.call?.(node, after), after);
      }
      case 'assignment_expression':
        after = this.evaluate(node.childForFieldName('right')!, after);
        if (after !== null) after = this.lvalueReads(node.childForFieldName('left')!, after);
        break;
      case 'pointer_expression':
        after = operatorOf(node) === '&' ? this.lvalueReads(node.childForFieldName('argument')!, after) : this.evaluate(node.childForFieldName('argument')!, after);
        break;
      case 'conditional_expression': {
        const [whenTrue, whenFalse] = this.condition(node.childForFieldName('condition')!, after);
        const consequence = node.childForFieldName('consequence');
        // `a ?: b`: the condition's value is the result.
        const chosen = consequence && whenTrue !== null ? this.evaluate(consequence, whenTrue) : whenTrue;
        const alternative = whenFalse === null ? null : this.evaluate(node.childForFieldName('alternative')!, whenFalse);
        after = this.join([chosen, alternative]);
        break;
      }
      case 'binary_expression':
        if (operatorOf(node) === '&&' || operatorOf(node) === '||') after = this.join(this.condition(node, after));
        else after = this.evaluateAll(node.namedChildren, after);
        break;
      case 'declaration':
        for (const declarator of node.childrenForFieldName('declarator')) {
          if (after !== null && declarator.type === 'init_declarator') after = this.evaluate(declarator, after);
        }
        break;
      case 'init_declarator': {
        const value = node.childForFieldName('value');
        if (value) after = this.evaluate(value, after);
        break;
      }
      case 'cast_expression':
      case 'compound_literal_expression':
        after = this.evaluate(node.childForFieldName('value')!, after);
        break;
      case 'field_expression':
        after = this.evaluate(node.childForFieldName('argument')!, after);
        break;
      default:
        if (!UNEVALUATED_OPERANDS.has(node.type)) after = this.evaluateAll(node.namedChildren, after);
    }
    return after === null ? null : this.apply(this.domain.expression?.(node, after), after);
  }

  /** What the target of an assignment reads: the pointer behind `*p`, `p->f`, and the index of `a[i]`; not the object itself. */
  private lvalueReads(node: SyntaxNode, state: S): S | null {
    switch (node.type) {
      case 'identifier':
        return state;
      case 'parenthesized_expression': {
        const inner = node.namedChildren.filter((c) => c.type !== 'comment');
        return inner.length === 1 ? this.lvalueReads(inner[0], state) : this.evaluate(node, state);
      }
      case 'field_expression': {
        const argument = node.childForFieldName('argument')!;
        return operatorOf(node) === '->' ? this.evaluate(argument, state) : this.lvalueReads(argument, state);
      }
      case 'subscript_expression': {
        const after = this.lvalueReads(node.childForFieldName('argument')!, state);
        return after === null ? null : this.evaluate(node.childForFieldName('index')!, after);
      }
      case 'pointer_expression':
        return this.evaluate(node.childForFieldName('argument')!, state);
      default:
        return this.evaluate(node, state);
    }
  }

  // -------------------------------------------------------------------------

  private join(states: (S | null)[]): S | null {
    const live = states.filter((s): s is S => s !== null);
    if (live.length === 0) return null;
    if (live.length === 1) return live[0];
    return this.domain.join(live);
  }

  private apply(result: Transfer<S>, state: S): S {
    return result === undefined ? state : result;
  }

  private record(node: SyntaxNode, state: S): void {
    if (this.before && (!this.recordFilter || this.recordFilter(node))) this.before.set(node.id, this.domain.clone(state));
  }

  /** Whether a goto or a case label may land inside `node`. */
  private holdsLabel(node: SyntaxNode): boolean {
    const last = node.table.lastDescendantIndex(node.index);
    return this.labels.some((label) => label >= node.index && label <= last);
  }
}

function operatorOf(node: SyntaxNode): string | undefined {
  return node.childForFieldName('operator')?.text;
}

/** A literal condition (`while (1)`, `do { } while (0)`): true, false, or undefined when not a constant. */
function constantTruth(node: SyntaxNode): boolean | undefined {
  if (node.type === 'true') return true;
  if (node.type === 'false') return false;
  if (node.type !== 'number_literal') return undefined;
  const digits = node.text.replace(/[uUlL]+$/, '');
  const value = Number(digits);
  return Number.isNaN(value) ? undefined : value !== 0;
}
