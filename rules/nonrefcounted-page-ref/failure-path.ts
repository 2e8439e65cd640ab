// Part 1 of the nonrefcounted-page-ref rule: a conditional acquire whose
// result is tested; the path taken when it returned false is followed
// (statements in order, gotos forward, nested conditionals stepped over) to a
// release of the same page or counter, or a return of the object: a reference
// dropped or handed out that was never taken.

import type { SyntaxNode } from '../../src/frontend/parse';
import { addressTaken, callArguments, calleeName, mentionPattern, normaliseKey, stripCastsAndParens } from '../../src/frontend/syntax';
import type { AcquireRow, ConditionalRefs } from './conditional-refs';

export interface FailurePath {
  /** The if (or WARN_ON statement) that tests the result. */
  test: SyntaxNode;
  /** The variable the result went through, when it did. */
  via?: SyntaxNode;
  hit: PathHit;
  /** The goto statements followed on the way. */
  gotos: SyntaxNode[];
}

export interface PathHit {
  node: SyntaxNode;
  kind: 'release' | 'return';
  callee?: string;
  /** Matched only through a glob row (a wrapper such as *_put). */
  glob: boolean;
}

/** Wrappers that return their argument's truth: `if (unlikely(!get_page_unless_zero(p)))`, `if (WARN_ON(!...))`. */
const TRANSPARENT_CALLS = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE']);
/** As a statement of their own, these warn and carry on. */
const WARNING_CALLS = new Set(['WARN_ON', 'WARN_ON_ONCE', 'WARN', 'WARN_ONCE']);

type Climb =
  | { kind: 'if'; node: SyntaxNode; failed: boolean }
  | { kind: 'warning'; node: SyntaxNode }
  | { kind: 'variable'; name: string; statement: SyntaxNode; failed: boolean };

/**
 * From an expression up to what tests it: the value the enclosing condition
 * has when the acquire failed (false), through `!`, `&&`, `||`, `== 0` and
 * the transparent wrappers. Null when it is not known or not tested.
 */
function climb(from: SyntaxNode, failedValue: boolean): Climb | null {
  let at = from;
  let value: boolean | null = failedValue;
  let wrapped = false;
  for (;;) {
    const parent = at.parent;
    if (!parent || value === null) return null;
    switch (parent.type) {
      case 'parenthesized_expression':
      case 'cast_expression':
        if (parent.parent?.type === 'if_statement' && parent.parent.childForFieldName('condition')?.id === parent.id) {
          return { kind: 'if', node: parent.parent, failed: value };
        }
        if (parent.type === 'cast_expression' && parent.childForFieldName('type')?.text === 'void') return null;
        break;
      case 'unary_expression':
        if (parent.childForFieldName('operator')?.text !== '!') return null;
        value = !value;
        wrapped = true;
        break;
      case 'argument_list': {
        const call = parent.parent!;
        const name = calleeName(call);
        if (!name || !TRANSPARENT_CALLS.has(name) || callArguments(call)[0]?.id !== at.id) return null;
        at = call;
        wrapped = true;
        if (call.parent?.type === 'expression_statement') return WARNING_CALLS.has(name) ? { kind: 'warning', node: call.parent } : null;
        continue;
      }
      case 'binary_expression': {
        const operator = parent.childForFieldName('operator')?.text;
        const isRight = parent.childForFieldName('right')?.id === at.id;
        const other = stripCastsAndParens(parent.childForFieldName(isRight ? 'left' : 'right')!);
        const falsy = /^(0|false|NULL)$/.test(other.text);
        // The right operand runs only when the left one did not decide: its value is the whole's.
        if (operator === '&&') value = isRight ? value : value ? null : false;
        else if (operator === '||') value = isRight ? value : value ? true : null;
        else if (operator === '==' && falsy) value = !value;
        else if (operator === '!=' && falsy) value = value;
        else return null;
        wrapped = true;
        break;
      }
      case 'assignment_expression':
        if (wrapped || parent.childForFieldName('operator')?.text !== '=' || parent.parent?.type !== 'expression_statement') return null;
        return { kind: 'variable', name: normaliseKey(parent.childForFieldName('left')!.text), statement: parent.parent, failed: value };
      case 'init_declarator': {
        const declaration = parent.parent;
        if (wrapped || declaration?.type !== 'declaration') return null;
        const name = /(\w+)\s*$/.exec(parent.childForFieldName('declarator')?.text ?? '')?.[1];
        return name ? { kind: 'variable', name, statement: declaration, failed: value } : null;
      }
      default:
        return null;
    }
    at = parent;
  }
}

/** Where the failure path of `call` leads, when it reaches a release (or a return) of the same object. */
export function failurePath(
  call: SyntaxNode,
  acquire: AcquireRow,
  body: SyntaxNode,
  refs: ConditionalRefs,
  definitionOf: (name: string) => SyntaxNode | undefined,
): FailurePath | null {
  let test = climb(call, false);
  let via: SyntaxNode | undefined;
  if (test?.kind === 'variable') {
    const use = laterTestOf(test.name, test.statement);
    if (!use) return null;
    via = use;
    test = climb(use, test.failed);
  }
  if (!test || test.kind === 'variable') return null;
  // WARN_ON(!kref_get_unless_zero(...)) asserts the object is alive (a lock or a reference is held): only pages,
  // whose count may not be in use at all, are followed past such a warning.
  if (test.kind === 'warning' && acquire.object !== 'page' && acquire.object !== 'folio') return null;
  const subject = Subject.of(call, acquire);
  if (!subject) return null;
  const walk = new PathWalk(body, subject, acquire, refs, definitionOf);
  let hit: PathHit | null;
  if (test.kind === 'warning') hit = walk.continueAfter(test.node);
  else if (test.failed) hit = walk.fromStatement(test.node.childForFieldName('consequence')!);
  else {
    const alternative = test.node.childForFieldName('alternative');
    const elseBody = alternative?.namedChildren.find((c) => c.type !== 'comment');
    hit = elseBody ? walk.fromStatement(elseBody) : walk.continueAfter(test.node);
  }
  return hit ? { test: test.node, ...(via ? { via } : {}), hit, gotos: walk.gotos } : null;
}

/** `got = try_get_page(p); ... if (!got)`: the identifier in the first if, within a few statements, that tests the variable. */
function laterTestOf(name: string, statement: SyntaxNode): SyntaxNode | null {
  let next = statement.nextNamedSibling;
  for (let i = 0; next && i < 6; i++, next = next.nextNamedSibling) {
    if (next.type === 'if_statement') {
      const condition = next.childForFieldName('condition')!;
      const use = condition.descendantsOfType('identifier').find((id) => id.text === name);
      if (use) return use;
    }
    if (mentionPattern(name).test(normaliseKey(next.text))) return null;
  }
  return null;
}

/** The page or object an acquire is about, and how a release names it. */
class Subject {
  private constructor(
    /** The argument, normalised, without `&`: `page`, `obj->ref`. */
    readonly key: string,
    /** Expressions that name the same object: the key and, for counters, the objects around it (`obj`). */
    readonly containers: string[],
    /** The counter's own name (`refs` in `&obj->refs`), to recognise it in a wrapper's body. */
    readonly field: string,
  ) {}

  static of(call: SyntaxNode, acquire: AcquireRow): Subject | null {
    const arg = callArguments(call)[acquire.argument];
    if (!arg) return null;
    const key = unwrapPage(arg);
    const containers = [key];
    if (acquire.object !== 'page' && acquire.object !== 'folio') {
      // The object the counter lives in: `engine->use.refcount` → `engine->use`, `engine`; never further out
      // (`exp->master->ct_general.use` is about exp->master, not exp).
      let at = key;
      for (let m = /^(.+)\.\w+$/.exec(at); m; m = /^(.+)\.\w+$/.exec(at)) containers.push((at = m[1]));
      const pointer = /^(.+)->\w+$/.exec(at);
      if (pointer) containers.push(pointer[1]);
    }
    return new Subject(key, containers, /(\w+)$/.exec(key)?.[1] ?? key);
  }

  /** Whether a release argument names the object: exactly the counter, or (through a wrapper) the object around it. */
  isReleasedBy(arg: SyntaxNode, glob: boolean): boolean {
    const key = unwrapPage(arg);
    return glob ? this.containers.includes(key) : key === this.key;
  }

  /** Whether an argument is the page or counter itself. */
  isExactly(arg: SyntaxNode): boolean {
    return unwrapPage(arg) === this.key;
  }

  /** The expressions whose assignment gives the subject another value. */
  get roots(): string[] {
    return this.containers;
  }
}

/** `&x`, `page_folio(x)`, `compound_head(x)`, `&x->page` → x, normalised. */
export function unwrapPage(expression: SyntaxNode): string {
  let node = stripCastsAndParens(expression);
  for (;;) {
    const target = addressTaken(node);
    if (target) {
      const inner = stripCastsAndParens(target);
      node = inner.type === 'field_expression' && inner.childForFieldName('field')?.text === 'page' ? inner.childForFieldName('argument')! : inner;
      if (node !== inner) continue;
      return normaliseKey(node.text);
    }
    const name = node.type === 'call_expression' ? calleeName(node) : undefined;
    if ((name === 'page_folio' || name === 'compound_head') && callArguments(node)[0]) node = stripCastsAndParens(callArguments(node)[0]);
    else return normaliseKey(node.text);
  }
}

const LOOPS = new Set(['while_statement', 'for_statement', 'do_statement', 'switch_statement']);
const SEQUENCES = new Set(['compound_statement', 'labeled_statement', 'preproc_if', 'preproc_ifdef', 'preproc_else', 'preproc_elif', 'ERROR']);
const MAX_STEPS = 200;

/**
 * A walk along the one path that certainly follows: statements in order,
 * gotos followed forward, nested conditionals and loops stepped over (what
 * they do happens only on some paths). Stops at a return, break, continue, a
 * loop's end, or an assignment to the object.
 */
class PathWalk {
  readonly gotos: SyntaxNode[] = [];
  private steps = 0;
  private readonly followedLabels = new Set<string>();

  constructor(
    private readonly body: SyntaxNode,
    private readonly subject: Subject,
    private readonly acquire: AcquireRow,
    private readonly refs: ConditionalRefs,
    /** A function defined in this file, by name: what a wrapper release really drops. */
    private readonly definitionOf: (name: string) => SyntaxNode | undefined,
  ) {}

  fromStatement(statement: SyntaxNode): PathHit | null {
    const result = this.visit(statement);
    return result === 'through' ? this.continueAfter(statement) : result === 'stop' ? null : result;
  }

  /** What runs after `node` has run and fallen through. */
  continueAfter(node: SyntaxNode): PathHit | null {
    for (let at = node; ; ) {
      const parent = at.parent;
      if (!parent || parent.type === 'function_definition' || LOOPS.has(parent.type)) return null;
      if (SEQUENCES.has(parent.type) || parent.type === 'case_statement') {
        let next = at.nextNamedSibling;
        while (next && next.type === 'comment') next = next.nextNamedSibling;
        if (next && parent.type !== 'labeled_statement') return this.fromStatement(next);
        // The end of a case: falling into the next one is rare enough not to follow.
        if (parent.type === 'case_statement') return null;
      } else if (parent.type !== 'if_statement' && parent.type !== 'else_clause') {
        return null;
      }
      at = parent;
    }
  }

  private visit(node: SyntaxNode): PathHit | 'through' | 'stop' {
    if (++this.steps > MAX_STEPS) return 'stop';
    switch (node.type) {
      case 'compound_statement':
        for (const child of node.namedChildren) {
          const result = this.visit(child);
          if (result !== 'through') return result;
        }
        return 'through';
      case 'labeled_statement': {
        const inner = node.namedChildren.find((c) => c.type !== 'statement_identifier' && c.type !== 'comment');
        return inner ? this.visit(inner) : 'through';
      }
      case 'expression_statement':
      case 'declaration':
        if (this.reacquires(node)) return 'stop';
        return this.releaseIn(node) ?? (this.reassigns(node) ? 'stop' : 'through');
      case 'return_statement': {
        const release = this.releaseIn(node);
        if (release) return release;
        const value = node.namedChildren.find((c) => c.type !== 'comment');
        return value && this.subject.roots.includes(unwrapPage(value)) && !/^(NULL|0)$/.test(value.text)
          ? { node, kind: 'return', glob: false }
          : 'stop';
      }
      case 'goto_statement': {
        const label = node.childForFieldName('label')?.text ?? '';
        if (this.followedLabels.has(label)) return 'stop';
        this.followedLabels.add(label);
        const target = this.body
          .descendantsOfType('labeled_statement')
          .find((l) => l.childForFieldName('label')?.text === label && l.startIndex > node.startIndex);
        if (!target) return 'stop';
        this.gotos.push(node);
        return this.fromStatement(target) ?? 'stop';
      }
      case 'break_statement':
      case 'continue_statement':
        return 'stop';
      default:
        // Conditionals, loops, #if blocks: only on some paths; but one that may take the reference after all ends the walk.
        return this.reacquires(node) ? 'stop' : 'through';
    }
  }

  /**
   * A call that may give the path its reference after all: another acquire
   * (a retry), or a get, inc, set or init on the page or counter itself
   * (`refcount_set(&e->use.refcount, 1)` after initialising the object).
   */
  private reacquires(node: SyntaxNode): boolean {
    return node.descendantsOfType('call_expression').some((call) => {
      const name = calleeName(call);
      if (!name) return false;
      const acquiring = this.refs.byName(name) !== undefined || /(^|_)(get|inc|set|init|grab)(_|$)/.test(name);
      return acquiring && callArguments(call).some((arg) => this.subject.isExactly(arg));
    });
  }

  private releaseIn(statement: SyntaxNode): PathHit | null {
    for (const call of statement.descendantsOfType('call_expression')) {
      const name = calleeName(call);
      if (!name) continue;
      const release = this.acquire.releases.find((r) => r.regex.test(name));
      if (!release) continue;
      if (release.glob && !this.wrapperDrops(name)) continue;
      if (callArguments(call).some((arg) => this.subject.isReleasedBy(arg, release.glob))) return { node: call, kind: 'release', callee: name, glob: release.glob };
    }
    return null;
  }

  /**
   * A wrapper (`nbd_put(nbd)`) counts only when its definition is in this
   * file and works on the same counter: objects often carry several (refs and
   * config_refs, s_count and s_active), and the wrapper may drop another one
   * that this path does hold.
   */
  private wrapperDrops(name: string): boolean {
    const body = this.definitionOf(name);
    return !!body && new RegExp(`(->|\\.)\\s*${this.subject.field}\\b`).test(body.text);
  }

  private reassigns(statement: SyntaxNode): boolean {
    const targets = [
      ...statement.descendantsOfType('assignment_expression').map((a) => a.childForFieldName('left')!),
      ...statement.descendantsOfType('init_declarator').map((d) => d.childForFieldName('declarator')!),
      ...statement
        .descendantsOfType('call_expression')
        .flatMap((c) => callArguments(c).map((arg) => addressTaken(arg)))
        .filter((t): t is SyntaxNode => t !== undefined),
    ];
    return targets.some((t) => this.subject.roots.includes(normaliseKey(t.text).replace(/^\*/, '')));
  }
}

