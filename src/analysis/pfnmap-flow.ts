// The two walks of the nonrefcounted-page-ref rule, over one function body.
//
// Failure paths (part 1): a conditional acquire (get_page_unless_zero() and
// its kin, data/knowledge/conditional-refs.txt) whose result is tested; the
// path taken when it returned false is followed (statements in order, gotos
// forward, nested conditionals stepped over) to a release of the same page or
// counter, or a return of the object: a reference dropped or handed out that
// was never taken.
//
// PFNMAP/IO lookups (part 2): a pfn read from the page tables of a
// VM_PFNMAP/VM_IO mapping (follow_pte(), follow_pfn(), ...,
// data/knowledge/pfnmap-lookups.txt) is followed through plain assignments
// and conversions (pte_pfn(), pfn_to_page(), ...) to an unconditional get or
// put on it or its page. Such a pfn may have a struct page whose count is not
// used (a tail page of a non-compound higher-order allocation, as TTM maps
// them), so the get and the later put free it out from under its owner. A
// conditional acquire on the value (get_page_unless_zero(), kvm_try_get_pfn())
// is the check that makes it safe; pfn_valid()/PageReserved()-style tests are
// only weak checks, since such a tail page is valid and not reserved. This
// part is a domain on the shared flow engine (./flow). Values may be tainted
// on some path (branches join by union); a check counts only when every path
// holding the value made it.

import type { SyntaxNode } from '../frontend/parse';
import { addressTaken, callArguments, calleeName, declaredName, mentionPattern, normaliseKey, stripCastsAndParens } from '../frontend/syntax';
import type { KnowledgeRow, KnowledgeTable } from '../knowledge';
import type { Confidence } from '../model';
import type { FlowDomain } from './flow/domain';
import { runFlow } from './flow/engine';

// ---------------------------------------------------------------------------
// The conditional-refs table

type ObjectKind = 'page' | 'folio' | 'kref' | 'refcount' | 'atomic';
const OBJECT_KINDS: readonly ObjectKind[] = ['page', 'folio', 'kref', 'refcount', 'atomic'];
const CONFIDENCES: readonly Confidence[] = ['high', 'medium', 'low'];

export interface AcquireRow {
  name: string;
  object: ObjectKind;
  /** Of a finding when the result is discarded. */
  confidence: Confidence;
  releases: { pattern: string; regex: RegExp; glob: boolean }[];
  meaning: string;
  argument: number;
  /** atomic: the counter's name must match. */
  names?: RegExp;
  origin: string;
}

export class ConditionalRefs {
  constructor(private readonly table: KnowledgeTable) {}

  byName(name: string): AcquireRow | undefined {
    return this.table.parsed(name, parseAcquireRow);
  }

  /** The row for a call, when the call is a conditional acquire on something that counts references. */
  rowFor(call: SyntaxNode): AcquireRow | undefined {
    const name = calleeName(call);
    const row = name ? this.byName(name) : undefined;
    if (!row) return undefined;
    if (row.names) {
      const counter = callArguments(call)[row.argument];
      const last = counter ? /(\w+)\W*$/.exec(normaliseKey(counter.text))?.[1] : undefined;
      if (!last || !row.names.test(last)) return undefined;
    }
    return row;
  }

  /** For the pfnmap walk: the argument of a conditional acquire on a page or folio. */
  pageAcquireArgument(name: string): number | undefined {
    const row = this.byName(name);
    return row && (row.object === 'page' || row.object === 'folio') ? row.argument : undefined;
  }
}

function parseAcquireRow(raw: KnowledgeRow, name: string): AcquireRow {
  const [object, confidence, releases, meaning, ...options] = raw.fields;
  const fail = (why: string): never => {
    throw new Error(`${raw.origin}: ${why} (columns: name, object, confidence, releases, "meaning", options)`);
  };
  if (!OBJECT_KINDS.includes(object as ObjectKind)) fail(`object '${object ?? ''}' is not one of ${OBJECT_KINDS.join(', ')}`);
  if (!CONFIDENCES.includes(confidence as Confidence)) fail(`confidence '${confidence ?? ''}' is not one of ${CONFIDENCES.join(', ')}`);
  const row: AcquireRow = {
    name,
    object: object as ObjectKind,
    confidence: confidence as Confidence,
    releases: (releases ?? '')
      .split(',')
      .filter(Boolean)
      .map((pattern) => ({ pattern, regex: new RegExp(`^${pattern.replace(/\*/g, '\\w*').replace(/\?/g, '\\w')}$`), glob: /[*?]/.test(pattern) })),
    meaning: meaning ?? 'no reference was taken',
    argument: 0,
    origin: raw.origin,
  };
  for (const option of options) {
    const arg = /^arg=(\d+)$/.exec(option);
    const names = /^names=(.+)$/.exec(option);
    if (arg) row.argument = Number(arg[1]);
    else if (names) row.names = new RegExp(names[1], 'i');
    else fail(`unknown option '${option}'`);
  }
  return row;
}

export function objectWord(row: AcquireRow): string {
  return row.object === 'page' || row.object === 'folio' ? row.object : 'object';
}

// ---------------------------------------------------------------------------
// The failure path of a tested conditional acquire (part 1 of the rule)

export interface Failure {
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
): Failure | null {
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

// ---------------------------------------------------------------------------
// The pfnmap-lookups table (part 2 of the rule)

export type PfnmapRole =
  | 'lookup-pte'
  | 'lookup-pfn'
  | 'lookup-phys'
  | 'lookup-args'
  | 'pte-value'
  | 'same'
  | 'pte-pfn'
  | 'phys-pfn'
  | 'pfn-phys'
  | 'pfn-page'
  | 'phys-page'
  | 'page-pfn'
  | 'refcounted-page'
  | 'check-pfn'
  | 'check-page'
  | 'try-get-pfn'
  | 'get-page'
  | 'put-page'
  | 'get-pfn'
  | 'put-pfn';

const ROLES: readonly PfnmapRole[] = [
  'lookup-pte', 'lookup-pfn', 'lookup-phys', 'lookup-args', 'pte-value', 'same', 'pte-pfn', 'phys-pfn', 'pfn-phys',
  'pfn-page', 'phys-page', 'page-pfn', 'refcounted-page', 'check-pfn', 'check-page', 'try-get-pfn',
  'get-page', 'put-page', 'get-pfn', 'put-pfn',
];

export interface PfnmapRow {
  name: string;
  role: PfnmapRole;
  argument: number;
  what: string;
  /** lookup-args: the field that receives the pfn. */
  field?: string;
  origin: string;
}

/** What a kind of value is, in words. */
type Kind = 'ptep' | 'pte' | 'pfn' | 'phys' | 'page';

export class PfnmapTable {
  constructor(
    private readonly table: KnowledgeTable,
    /** For a conditional acquire on a page or folio: the argument holding it. */
    private readonly conditionalPageAcquire: (name: string) => number | undefined,
  ) {}

  roleOf(call: SyntaxNode): PfnmapRow | undefined {
    const name = calleeName(call);
    return name ? this.table.parsed(name, parseRow) : undefined;
  }

  conditionalAcquireArgument(call: SyntaxNode): number | undefined {
    const name = calleeName(call);
    return name ? this.conditionalPageAcquire(name) : undefined;
  }

  /** Whether a body calls a lookup: the walk is needed only then. */
  hasLookup(body: SyntaxNode): boolean {
    return body.descendantsOfType('call_expression').some((call) => this.roleOf(call)?.role.startsWith('lookup-'));
  }
}

function parseRow(raw: KnowledgeRow, name: string): PfnmapRow {
  const [role, argument, what, ...options] = raw.fields;
  const fail = (why: string): never => {
    throw new Error(`${raw.origin}: ${why} (columns: name, role, argument, "what the call does", options)`);
  };
  if (!ROLES.includes(role as PfnmapRole)) fail(`role '${role ?? ''}' is not one of ${ROLES.join(', ')}`);
  if (!/^\d+$/.test(argument ?? '')) fail(`argument '${argument ?? ''}' is not an argument number`);
  const row: PfnmapRow = { name, role: role as PfnmapRole, argument: Number(argument), what: what ?? '', origin: raw.origin };
  for (const option of options) {
    const m = /^field=(\w+)$/.exec(option);
    if (!m) fail(`unknown option '${option}'`);
    row.field = m![1];
  }
  if (row.role === 'lookup-args' && !row.field) fail('a lookup-args row needs field=NAME');
  return row;
}

// ---------------------------------------------------------------------------
// Values

export interface FlowStep {
  node: SyntaxNode;
  message: string;
}

interface Value {
  id: number;
  kind: Kind;
  /** The ids of the values this one derives from, itself last. */
  lineage: number[];
  /** How the value came from the lookup: the lookup call, then each assignment. */
  steps: FlowStep[];
  /** The lookup it came from. */
  lookup: { call: SyntaxNode; row: PfnmapRow };
  /** A weak check made when the value was derived (kvm_pfn_to_refcounted_page()). */
  weak?: WeakCheck;
}

export interface WeakCheck {
  call: SyntaxNode;
  row: PfnmapRow;
}

class FlowState {
  constructor(
    readonly bindings = new Map<string, Value>(),
    /** Ids of values a conditional acquire has checked. */
    readonly strong = new Set<number>(),
    /** Ids of values a weak check has tested. */
    readonly weak = new Map<number, WeakCheck>(),
  ) {}

  clone(): FlowState {
    return new FlowState(new Map(this.bindings), new Set(this.strong), new Map(this.weak));
  }

  private heldIds(): Set<number> {
    const held = new Set<number>();
    for (const value of this.bindings.values()) for (const id of value.lineage) held.add(id);
    return held;
  }

  /** Paths joined: a value bound on any path is bound; a check holds only if every path that holds the value made it. */
  static join(states: (FlowState | null)[]): FlowState | null {
    const live = states.filter((s): s is FlowState => s !== null);
    if (live.length === 0) return null;
    if (live.length === 1) return live[0];
    const held = live.map((s) => s.heldIds());
    const everywhere = (id: number, has: (s: FlowState) => boolean): boolean => live.every((s, i) => has(s) || !held[i].has(id));
    const joined = new FlowState();
    // Paths that bind a name differently: the value from the earliest lookup, the one on the main line
    // (`pfn = lookup(); if (x) pfn = other_lookup();` keeps the first), whatever order the paths come in.
    for (const state of live) {
      for (const [key, value] of state.bindings) {
        const kept = joined.bindings.get(key);
        if (!kept || value.lineage[0] < kept.lineage[0]) joined.bindings.set(key, value);
      }
    }
    for (const state of live) {
      for (const id of state.strong) if (everywhere(id, (s) => s.strong.has(id))) joined.strong.add(id);
      for (const [id, check] of state.weak) if (!joined.weak.has(id) && everywhere(id, (s) => s.weak.has(id))) joined.weak.set(id, check);
    }
    return joined;
  }
}

// ---------------------------------------------------------------------------
// The pfnmap walk over one function

export interface PfnmapFinding {
  /** The get or put call. */
  sink: SyntaxNode;
  sinkRow: PfnmapRow;
  /** The argument, as written. */
  argument: SyntaxNode;
  /** What the argument is: 'pfn' or 'page'. */
  kind: 'pfn' | 'page';
  lookup: { call: SyntaxNode; row: PfnmapRow };
  steps: FlowStep[];
  /** A weak check on the value before the sink, when there was one. */
  weak?: WeakCheck;
}

/**
 * The rule's domain on the flow engine: the state is which expressions hold
 * a value followed from a lookup, and which of those values were checked;
 * lookups, conversions and checks are calls, gets and puts are sinks.
 */
export class PfnmapWalk implements FlowDomain<FlowState> {
  private next = 0;
  /** One finding per lookup (the first get or put reached): a loop body is walked more than once. */
  private readonly reportedLookups = new Set<number>();

  constructor(
    private readonly table: PfnmapTable,
    private readonly onFinding: (finding: PfnmapFinding) => void,
  ) {}

  run(body: SyntaxNode): void {
    runFlow(body, this);
  }

  initial(): FlowState {
    return new FlowState();
  }

  clone(state: FlowState): FlowState {
    return state.clone();
  }

  join(states: FlowState[]): FlowState {
    return FlowState.join(states)!;
  }

  expression(node: SyntaxNode, state: FlowState): void {
    switch (node.type) {
      case 'assignment_expression': {
        const right = node.childForFieldName('right')!;
        const plain = node.childForFieldName('operator')?.text === '=';
        this.bind(normaliseKey(node.childForFieldName('left')!.text), plain ? this.valueOf(right, state) : null, node, state);
        return;
      }
      case 'init_declarator': {
        const value = node.childForFieldName('value');
        const name = declaredName(node.childForFieldName('declarator'));
        if (name) this.bind(name, value ? this.valueOf(value, state) : null, node, state);
        return;
      }
      case 'declaration':
        for (const declarator of node.childrenForFieldName('declarator')) {
          if (declarator.type === 'init_declarator') continue;
          const name = declaredName(declarator);
          if (name) this.bind(name, null, node, state);
        }
        return;
    }
  }

  /** `key` now holds `value` (null: nothing we follow); expressions built on the old key are forgotten. */
  private bind(key: string, value: Value | null, at: SyntaxNode, state: FlowState): void {
    const mentions = mentionPattern(key);
    for (const other of [...state.bindings.keys()]) if (other !== key && mentions.test(other)) state.bindings.delete(other);
    if (!value) {
      state.bindings.delete(key);
      return;
    }
    const described = `here '${key}' takes ${KIND_TEXT[value.kind]}`;
    state.bindings.set(key, { ...value, steps: [...value.steps, { node: at, message: described }] });
  }

  call(node: SyntaxNode, state: FlowState): void {
    const row = this.table.roleOf(node);
    const args = callArguments(node);
    if (!row) {
      const conditional = this.table.conditionalAcquireArgument(node);
      if (conditional !== undefined) {
        const value = args[conditional] ? this.valueOf(args[conditional], state) : null;
        if (value) for (const id of value.lineage) state.strong.add(id);
        return;
      }
      // An unknown call given `&x` may change x.
      for (const arg of args) {
        const target = addressTaken(arg);
        if (target) this.bind(normaliseKey(target.text), null, node, state);
      }
      return;
    }
    const arg = args[row.argument];
    if (!arg) return;
    switch (row.role) {
      case 'lookup-pte':
      case 'lookup-pfn':
      case 'lookup-phys':
      case 'lookup-args': {
        const target = addressTaken(arg);
        if (!target) return;
        const kind: Kind = row.role === 'lookup-pte' ? 'ptep' : row.role === 'lookup-phys' ? 'phys' : 'pfn';
        const key = normaliseKey(target.text) + (row.role === 'lookup-args' ? `.${row.field}` : '');
        const id = this.next++;
        const line = node.startPosition.row + 1;
        const value: Value = {
          id,
          kind,
          lineage: [id],
          steps: [{ node, message: `${row.name}() at line ${line} ${row.what} (${row.origin}): '${key}' receives ${KIND_TEXT[kind]}` }],
          lookup: { call: node, row },
        };
        if (row.role === 'lookup-args') this.bind(normaliseKey(target.text), null, node, state);
        state.bindings.set(key, value);
        return;
      }
      case 'check-pfn':
      case 'check-page': {
        const value = this.valueOf(arg, state);
        if (value) for (const id of value.lineage) if (!state.weak.has(id)) state.weak.set(id, { call: node, row });
        return;
      }
      case 'try-get-pfn': {
        const value = this.valueOf(arg, state);
        if (value) for (const id of value.lineage) state.strong.add(id);
        return;
      }
      case 'get-page':
      case 'put-page':
      case 'get-pfn':
      case 'put-pfn':
        this.checkSink(node, row, arg, state);
        return;
    }
  }

  private checkSink(node: SyntaxNode, row: PfnmapRow, arg: SyntaxNode, state: FlowState): void {
    const value = this.valueOf(arg, state);
    const wanted: Kind = row.role.endsWith('-page') ? 'page' : 'pfn';
    if (!value || value.kind !== wanted) return;
    if (value.lineage.some((id) => state.strong.has(id))) return;
    if (this.reportedLookups.has(value.lookup.call.id)) return;
    this.reportedLookups.add(value.lookup.call.id);
    const weak = value.weak ?? value.lineage.map((id) => state.weak.get(id)).find((c) => c !== undefined);
    this.onFinding({ sink: node, sinkRow: row, argument: arg, kind: wanted, lookup: value.lookup, steps: value.steps, ...(weak ? { weak } : {}) });
  }

  /** The followed value an expression holds, if any. */
  private valueOf(expression: SyntaxNode, state: FlowState): Value | null {
    const node = stripCastsAndParens(expression);
    switch (node.type) {
      case 'identifier':
      case 'field_expression':
      case 'subscript_expression':
        return state.bindings.get(normaliseKey(node.text)) ?? null;
      case 'pointer_expression': {
        const bound = state.bindings.get(normaliseKey(node.text));
        if (bound) return bound;
        if (node.childForFieldName('operator')?.text !== '*') return null;
        const pointer = this.valueOf(node.childForFieldName('argument')!, state);
        return pointer?.kind === 'ptep' ? this.derive(pointer, 'pte') : null;
      }
      case 'assignment_expression':
        return this.valueOf(node.childForFieldName('right')!, state);
      case 'comma_expression':
        return this.valueOf(node.childForFieldName('right')!, state);
      case 'binary_expression': {
        const operator = node.childForFieldName('operator')?.text;
        const left = this.valueOf(node.childForFieldName('left')!, state);
        if (!left) return null;
        if (operator === '>>' && left.kind === 'phys') return this.derive(left, 'pfn');
        if (operator === '<<' && left.kind === 'pfn') return this.derive(left, 'phys');
        if ((operator === '+' || operator === '-') && left.kind !== 'ptep') return left;
        return null;
      }
      case 'call_expression':
        return this.callValue(node, state);
    }
    return null;
  }

  private callValue(call: SyntaxNode, state: FlowState): Value | null {
    const row = this.table.roleOf(call);
    if (!row) return null;
    const arg = callArguments(call)[row.argument];
    const input = arg ? this.valueOf(arg, state) : null;
    if (!input) return null;
    const conversions: Partial<Record<PfnmapRole, [Kind, Kind]>> = {
      'pte-value': ['ptep', 'pte'],
      'pte-pfn': ['pte', 'pfn'],
      'phys-pfn': ['phys', 'pfn'],
      'pfn-phys': ['pfn', 'phys'],
      'pfn-page': ['pfn', 'page'],
      'phys-page': ['phys', 'page'],
      'page-pfn': ['page', 'pfn'],
      'refcounted-page': ['pfn', 'page'],
    };
    if (row.role === 'same') return input;
    const conversion = conversions[row.role];
    if (!conversion || conversion[0] !== input.kind) return null;
    const derived = this.derive(input, conversion[1]);
    if (row.role === 'refcounted-page') derived.weak = { call, row };
    return derived;
  }

  private derive(from: Value, kind: Kind): Value {
    const id = this.next++;
    return { ...from, id, kind, lineage: [...from.lineage, id] };
  }
}

const KIND_TEXT: Record<Kind, string> = {
  ptep: 'a pointer to the pte',
  pte: 'the pte',
  pfn: 'the pfn mapped there',
  phys: 'the physical address mapped there',
  page: "that pfn's struct page",
};
