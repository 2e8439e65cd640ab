// Which tests decide whether a page reference is taken or dropped, for the
// zero-page-refcount rule, from its two tables (./tables.ts).
//
// The questions are syntactic and stay inside one file: a test's truth value
// is followed to the `if` it controls, to a variable it sets, or out through
// `return` to the callers of its function (up to three levels); a call to a
// function defined in the same file counts as the get/put, guard or zero test
// its body makes directly (one level).

import type { SyntaxNode } from '../../src/frontend/parse';
import { callArguments, calleeName, declaredIdentifier, declaredName, enclosingFunction, functionDefinitions, functionName } from '../../src/frontend/syntax';
import { clip } from '../../src/rule';
import type { LookupRow, PageLookups, RefcountOps } from './tables';

// ---------------------------------------------------------------------------
// Small syntax helpers

export function line(node: SyntaxNode): number {
  return node.startPosition.row + 1;
}


/** Identifiers an expression names as values (callee names left out). */
export function valueIdentifiers(node: SyntaxNode): Set<string> {
  const out = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'identifier') {
      const parent = n.parent;
      if (!(parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === n.id)) out.add(n.text);
      return;
    }
    for (const child of n.namedChildren) visit(child);
  };
  visit(node);
  return out;
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (b.has(x)) return true;
  return false;
}

const EXIT_STATEMENTS = new Set(['return_statement', 'goto_statement', 'break_statement', 'continue_statement']);

/** The exit statement that ends a branch (`return;`, `{ ...; goto out; }`), if it ends in one. */
function branchExit(branch: SyntaxNode): SyntaxNode | null {
  if (EXIT_STATEMENTS.has(branch.type)) return branch;
  if (branch.type === 'else_clause') return branch.namedChild(0) ? branchExit(branch.namedChild(0)!) : null;
  if (branch.type === 'compound_statement') {
    const statements = branch.namedChildren.filter((c) => c.type !== 'comment');
    const last = statements[statements.length - 1];
    return last && EXIT_STATEMENTS.has(last.type) ? last : null;
  }
  return null;
}

/** Calls that pass a value through: `if (unlikely(PageReserved(page)))`. */
const TRANSPARENT_CALLS = new Set(['likely', 'unlikely', 'WARN_ON', 'WARN_ON_ONCE', '!!']);

export type Consumer =
  | { kind: 'if'; statement: SyntaxNode }
  | { kind: 'cond'; statement: SyntaxNode }
  | { kind: 'loop'; statement: SyntaxNode }
  | { kind: 'return'; statement: SyntaxNode }
  | { kind: 'assign'; statement: SyntaxNode; name: string }
  | null;

/** Where the truth value of an expression goes: the `if` it controls, a `return`, a variable. */
export function consumerOf(expression: SyntaxNode): Consumer {
  let node = expression;
  for (;;) {
    const parent = node.parent;
    if (!parent) return null;
    switch (parent.type) {
      case 'parenthesized_expression':
      case 'unary_expression':
      case 'binary_expression':
      case 'cast_expression':
        node = parent;
        continue;
      case 'argument_list': {
        const call = parent.parent;
        if (call?.type === 'call_expression' && TRANSPARENT_CALLS.has(calleeName(call) ?? '')) {
          node = call;
          continue;
        }
        return null;
      }
      case 'if_statement':
        return parent.childForFieldName('condition')?.id === node.id ? { kind: 'if', statement: parent } : null;
      case 'while_statement':
      case 'do_statement':
      case 'for_statement':
        return parent.childForFieldName('condition')?.id === node.id ? { kind: 'loop', statement: parent } : null;
      case 'conditional_expression':
        if (parent.childForFieldName('condition')?.id === node.id) return { kind: 'cond', statement: parent };
        node = parent;
        continue;
      case 'return_statement':
        return { kind: 'return', statement: parent };
      case 'init_declarator': {
        const declarator = parent.childForFieldName('declarator');
        const name = declarator ? declaredName(declarator) : null;
        return name ? { kind: 'assign', statement: parent, name } : null;
      }
      case 'assignment_expression': {
        const left = parent.childForFieldName('left');
        if (parent.childForFieldName('right')?.id !== node.id || !left) return null;
        return { kind: 'assign', statement: parent, name: left.text };
      }
      default:
        return null;
    }
  }
}


// ---------------------------------------------------------------------------
// What a file says about its own functions

export interface RefOp {
  call: SyntaxNode;
  name: string;
  role: 'get' | 'put';
  /** The argument nodes that name the page or pfn. */
  subjects: SyntaxNode[];
  /** How we know: a table row, or the body of a same-file function. */
  via: string;
  /** The helper checks refcountability itself (a `checked` row, or a body that does). */
  checked: boolean;
}

export interface Mention {
  node: SyntaxNode;
  name: string;
  /** The same-file function whose body holds it, when reached through a call. */
  through?: string;
}

export class RefcountFacts {
  readonly functions = new Map<string, SyntaxNode>();
  private readonly calls = new Map<string, SyntaxNode[]>();
  private readonly directOps = new Map<number, RefOp[]>();
  private readonly mentionCache = new Map<string, Mention | null>();

  constructor(
    readonly root: SyntaxNode,
    readonly ops: RefcountOps,
    readonly lookups: PageLookups,
  ) {
    for (const fn of functionDefinitions(root)) {
      const name = functionName(fn);
      if (name && !this.functions.has(name)) this.functions.set(name, fn);
    }
    for (const call of root.descendantsOfType('call_expression')) {
      const name = calleeName(call);
      if (!name) continue;
      let list = this.calls.get(name);
      if (!list) this.calls.set(name, (list = []));
      list.push(call);
    }
  }

  callsTo(name: string): SyntaxNode[] {
    return this.calls.get(name) ?? [];
  }

  /** All calls of the file, in order of position. */
  allCalls(): SyntaxNode[] {
    return [...this.calls.values()].flat().sort((a, b) => a.startIndex - b.startIndex);
  }

  body(name: string): SyntaxNode | null {
    return this.functions.get(name)?.childForFieldName('body') ?? null;
  }

  /** Table get/put calls directly in a subtree. */
  private tableOpsIn(node: SyntaxNode): RefOp[] {
    const out: RefOp[] = [];
    for (const call of node.descendantsOfType('call_expression')) {
      const name = calleeName(call);
      const row = name ? this.ops.row(name) : null;
      if (!name || !row || (row.role !== 'get' && row.role !== 'put')) continue;
      const args = callArguments(call);
      const subject = row.argIndex >= 0 ? args[row.argIndex] : undefined;
      out.push({ call, name, role: row.role, subjects: subject ? [subject] : args, via: `${row.what} (${row.origin})`, checked: row.checked });
    }
    return out;
  }

  /** The get/put a call makes: a table row, or (one level) a same-file function whose body calls one. */
  opOf(call: SyntaxNode): RefOp | null {
    const name = calleeName(call);
    if (!name) return null;
    const row = this.ops.row(name);
    const body = this.body(name);
    if (body && (!row || row.checked || (row.role !== 'get' && row.role !== 'put'))) {
      const inner = this.bodyOps(body);
      if (inner.length === 0) return null;
      const put = inner.find((op) => op.role === 'put') ?? inner[0];
      const checked = this.bodyChecks(body, false) !== null;
      return {
        call,
        name,
        role: put.role,
        subjects: callArguments(call),
        via: `its body calls ${put.name}() at line ${line(put.call)}`,
        checked,
      };
    }
    if (!row || (row.role !== 'get' && row.role !== 'put')) return null;
    const args = callArguments(call);
    const subject = row.argIndex >= 0 ? args[row.argIndex] : undefined;
    return { call, name, role: row.role, subjects: subject ? [subject] : args, via: `${row.what} (${row.origin})`, checked: row.checked };
  }

  private bodyOps(body: SyntaxNode): RefOp[] {
    let ops = this.directOps.get(body.id);
    if (!ops) this.directOps.set(body.id, (ops = this.tableOpsIn(body)));
    return ops;
  }

  /** get/put calls in a subtree (one level into same-file functions). */
  opsIn(node: SyntaxNode): RefOp[] {
    const out: RefOp[] = [];
    for (const call of node.descendantsOfType('call_expression')) {
      const op = this.opOf(call);
      if (op) out.push(op);
    }
    return out;
  }

  /**
   * A zero-page test in a subtree: a `zero` row named anywhere (a call, a
   * macro, `zero_pfn`), or a call to a same-file function whose body names one.
   */
  zeroTestIn(node: SyntaxNode): Mention | null {
    return this.mentionIn(node, (name) => this.ops.role(name) === 'zero', 'zero');
  }

  /** A refcountability check in a body (`guard`, `reserved` or `zero` rows), one level into same-file functions. */
  bodyChecks(node: SyntaxNode, deep = true): Mention | null {
    const isCheck = (name: string): boolean => {
      const role = this.ops.role(name);
      return role === 'guard' || role === 'reserved' || role === 'zero';
    };
    return deep ? this.mentionIn(node, isCheck, 'check') : directMention(node, isCheck);
  }

  /** A check call that comes before `before` in `fn` (or controls it), one level into same-file functions. */
  checkBefore(fn: SyntaxNode, before: SyntaxNode): Mention | null {
    const body = fn.childForFieldName('body');
    if (!body) return null;
    for (const call of body.descendantsOfType('call_expression')) {
      if (call.startIndex >= before.startIndex) break;
      const name = calleeName(call);
      if (!name) continue;
      const role = this.ops.role(name);
      if (role === 'guard' || role === 'reserved' || role === 'zero') return { node: call, name };
      const helper = this.body(name);
      if (helper && helper !== body) {
        const inner = this.bodyChecks(helper, false);
        if (inner) return { node: call, name: inner.name, through: name };
      }
    }
    return null;
  }

  private mentionIn(node: SyntaxNode, matches: (name: string) => boolean, key: string): Mention | null {
    const cacheKey = `${key}:${node.id}`;
    const cached = this.mentionCache.get(cacheKey);
    if (cached !== undefined) return cached;
    let found = directMention(node, matches);
    if (!found) {
      for (const call of node.descendantsOfType('call_expression')) {
        const name = calleeName(call);
        const helper = name ? this.body(name) : null;
        if (!name || !helper || helper.id === node.id) continue;
        const inner = directMention(helper, matches);
        if (inner) {
          found = { node: call, name: inner.name, through: name };
          break;
        }
      }
    }
    this.mentionCache.set(cacheKey, found);
    return found;
  }

  /**
   * The first call of the file to a lookup that hands out referenced pages
   * (gup, pin, hva_to_pfn and kin), else to any page lookup.
   */
  firstLookup(): { call: SyntaxNode; name: string; row: LookupRow; referenced: boolean } | null {
    let best: { call: SyntaxNode; name: string; row: LookupRow; referenced: boolean } | null = null;
    for (const [name, calls] of this.calls) {
      const row = this.lookups.row(name);
      if (!row || !calls.length) continue;
      const referenced = row.returns === 'page' || row.returns === 'pfn-ref';
      const better = !best || (referenced && !best.referenced) || (referenced === best.referenced && calls[0].startIndex < best.call.startIndex);
      if (better) best = { call: calls[0], name, row, referenced };
    }
    return best;
  }
}

function directMention(node: SyntaxNode, matches: (name: string) => boolean): Mention | null {
  for (const id of node.descendantsOfType('identifier')) if (matches(id.text)) return { node: id, name: id.text };
  return null;
}

// ---------------------------------------------------------------------------
// Decisions: where a test's truth value decides a get/put

export interface DecisionStep {
  node: SyntaxNode;
  message: string;
}

export interface Decision {
  op: RefOp;
  /** How the test reaches the op, each step with its node. */
  steps: DecisionStep[];
  /** The functions the chain goes through, the test's first. */
  functions: SyntaxNode[];
}

const MAX_CALLER_DEPTH = 3;
const MAX_DECISIONS = 12;

export class DecisionFinder {
  constructor(private readonly facts: RefcountFacts) {}

  /** The get/put calls whose running depends on `test` (an expression in `fn`) about `subjects`. */
  decisions(test: SyntaxNode, fn: SyntaxNode, subjects: ReadonlySet<string>): Decision[] {
    const out: Decision[] = [];
    this.follow(test, fn, subjects, [], [fn], new Set([fn.id]), out, 0);
    return out;
  }

  private follow(
    test: SyntaxNode,
    fn: SyntaxNode,
    subjects: ReadonlySet<string>,
    steps: DecisionStep[],
    functions: SyntaxNode[],
    seen: Set<number>,
    out: Decision[],
    depth: number,
  ): void {
    if (out.length >= MAX_DECISIONS) return;
    const consumer = consumerOf(test);
    if (!consumer) return;
    const add = (op: RefOp, extra: DecisionStep[]): void => {
      if (out.length < MAX_DECISIONS && op.subjects.some((s) => intersects(subjectIdentifiers(s, fn, op.call), subjects))) {
        out.push({ op, steps: [...steps, ...extra], functions });
      }
    };
    switch (consumer.kind) {
      case 'if':
      case 'cond':
      case 'loop': {
        const statement = consumer.statement;
        const branches =
          consumer.kind === 'loop'
            ? [statement.childForFieldName('body')]
            : [statement.childForFieldName('consequence'), statement.childForFieldName('alternative')];
        for (const branch of branches) {
          if (!branch) continue;
          for (const op of this.facts.opsIn(branch)) {
            add(op, [{ node: branch, message: `the branch at line ${line(branch)} runs only as this test says, and calls ${op.name}() at line ${line(op.call)}` }]);
          }
          if (consumer.kind !== 'if') continue;
          const exit = branchExit(branch);
          if (exit) {
            for (const op of this.opsAfter(statement, fn)) {
              add(op, [
                { node: exit, message: `when the test says so, '${clip(exit.text, 30)}' at line ${line(exit)} leaves before ${op.name}() at line ${line(op.call)}` },
              ]);
            }
            if (exit.type === 'return_statement' && exit.namedChildren.some((c) => c.type !== 'comment')) {
              this.callers(fn, subjects, [...steps, { node: exit, message: `${functionName(fn)}() returns on this test at line ${line(exit)}` }], functions, seen, out, depth);
            }
          }
          // Only the tested page's own variable (`page = NULL;`): an error code set on the test is another story.
          for (const assigned of branchAssignments(branch).filter((a) => subjects.has(a.name))) {
            this.followVariable(assigned.name, assigned.node, fn, new Set([...subjects, assigned.name]), [
              ...steps,
              { node: assigned.node, message: `on this test '${clip(assigned.node.text, 40)}' at line ${line(assigned.node)}` },
            ], functions, seen, out, depth);
          }
        }
        if (consumer.kind === 'cond') this.follow(statement, fn, subjects, steps, functions, seen, out, depth);
        return;
      }
      case 'return':
        this.callers(fn, subjects, [...steps, { node: consumer.statement, message: `${functionName(fn)}() returns the result at line ${line(consumer.statement)}` }], functions, seen, out, depth);
        return;
      case 'assign':
        this.followVariable(consumer.name, consumer.statement, fn, new Set([...subjects, consumer.name]), [
          ...steps,
          { node: consumer.statement, message: `the result is kept in '${consumer.name}' at line ${line(consumer.statement)}` },
        ], functions, seen, out, depth);
        return;
    }
  }

  /** Later tests of a variable in the same function. */
  private followVariable(
    name: string,
    after: SyntaxNode,
    fn: SyntaxNode,
    subjects: ReadonlySet<string>,
    steps: DecisionStep[],
    functions: SyntaxNode[],
    seen: Set<number>,
    out: Decision[],
    depth: number,
  ): void {
    const body = fn.childForFieldName('body');
    if (!body) return;
    let uses = 0;
    for (const id of body.descendantsOfType('identifier')) {
      if (id.startIndex < after.endIndex || id.text !== name || uses >= 6) continue;
      const parent = id.parent;
      if (parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === id.id) continue;
      const consumer = consumerOf(id);
      if (!consumer || consumer.kind === 'assign') continue;
      uses++;
      this.follow(id, fn, subjects, [...steps, { node: id, message: `'${name}' is tested at line ${line(id)}` }], functions, seen, out, depth);
    }
  }

  /** The callers in the file of a function whose result carries the test. */
  private callers(
    fn: SyntaxNode,
    _subjects: ReadonlySet<string>,
    steps: DecisionStep[],
    functions: SyntaxNode[],
    seen: Set<number>,
    out: Decision[],
    depth: number,
  ): void {
    const name = functionName(fn);
    if (!name || depth >= MAX_CALLER_DEPTH) return;
    for (const call of this.facts.callsTo(name)) {
      const caller = enclosingFunction(call);
      if (!caller || seen.has(caller.id)) continue;
      const args = new Set<string>();
      for (const arg of callArguments(call)) for (const id of valueIdentifiers(arg)) args.add(id);
      const nextSeen = new Set(seen).add(caller.id);
      this.follow(
        call,
        caller,
        args,
        [...steps, { node: call, message: `${functionName(caller) ?? 'a caller'}() calls ${name}() at line ${line(call)}` }],
        [...functions, caller],
        nextSeen,
        out,
        depth + 1,
      );
    }
  }

  private opsAfter(statement: SyntaxNode, fn: SyntaxNode): RefOp[] {
    const body = fn.childForFieldName('body');
    if (!body) return [];
    return this.facts.opsIn(body).filter((op) => op.call.startIndex >= statement.endIndex);
  }
}

/** Variables a branch sets at its top level (`page = NULL;`). */
function branchAssignments(branch: SyntaxNode): { name: string; node: SyntaxNode }[] {
  const statements = branch.type === 'compound_statement' ? branch.namedChildren : branch.type === 'else_clause' ? branch.namedChildren : [branch];
  const out: { name: string; node: SyntaxNode }[] = [];
  for (const statement of statements) {
    if (statement.type === 'compound_statement') {
      out.push(...branchAssignments(statement));
      continue;
    }
    if (statement.type !== 'expression_statement') continue;
    const expression = statement.namedChild(0);
    if (expression?.type !== 'assignment_expression') continue;
    const left = expression.childForFieldName('left');
    if (left?.type === 'identifier') out.push({ name: left.text, node: expression });
  }
  return out;
}

/**
 * The identifiers an op's argument names, with one step of aliasing: for a
 * variable, also those of the value it was last given before the op
 * (`struct page *page = pfn_to_page(pfn); unpin_user_pages(&page, ...)` names pfn).
 */
function subjectIdentifiers(argument: SyntaxNode, fn: SyntaxNode, before: SyntaxNode): Set<string> {
  const ids = valueIdentifiers(argument);
  for (const id of [...ids]) {
    const assignment = lastAssignment(id, fn, before);
    if (assignment) for (const inner of valueIdentifiers(assignment.value)) ids.add(inner);
  }
  return ids;
}

/** The last `name = value` (or initialisation) in `fn` before `before`. */
export function lastAssignment(name: string, fn: SyntaxNode, before: SyntaxNode): { node: SyntaxNode; value: SyntaxNode } | null {
  const body = fn.childForFieldName('body');
  if (!body) return null;
  let found: { node: SyntaxNode; value: SyntaxNode } | null = null;
  for (const node of body.descendantsOfType(['assignment_expression', 'init_declarator'])) {
    if (node.startIndex >= before.startIndex) break;
    const target = node.type === 'assignment_expression' ? node.childForFieldName('left') : declaredIdentifier(node.childForFieldName('declarator'));
    const value = node.childForFieldName(node.type === 'assignment_expression' ? 'right' : 'value');
    if (target?.text === name && value && (node.type !== 'assignment_expression' || node.child(1)?.type === '=')) found = { node, value };
  }
  return found;
}
