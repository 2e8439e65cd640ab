// The ordering rule's domain on the flow engine (src/analysis/flow): which pages are
// revoked on some path reaching each point, and which expressions name the
// same page (values flow through plain assignments). The calls' roles come
// from the access-ordering table; each access to a revoked page is reported.

import type { SyntaxNode } from '../../src/frontend/parse';
import { addressTaken, callArguments, declaredName, mentionPattern, normaliseKey, stripCastsAndParens } from '../../src/frontend/syntax';
import type { OrderingRow, OrderingTable } from './access-ordering-table';
import type { FlowDomain } from '../../src/analysis/flow/domain';
import { runFlow } from '../../src/analysis/flow/engine';

const LOOPS = new Set(['while_statement', 'for_statement', 'do_statement']);
const CONSTANTS = new Set(['null', 'number_literal', 'true', 'false', 'char_literal', 'string_literal']);

// ---------------------------------------------------------------------------
// Values: which expressions name the same page

type ValueId = number;

/** Page values and the addresses of their contents, numbered per function. */
class ValueSpace {
  private next = 0;
  private readonly contentsOfPage = new Map<ValueId, ValueId>();
  private readonly pageOfContents = new Map<ValueId, ValueId>();

  fresh(): ValueId {
    return this.next++;
  }

  /** The address of a page's contents (page_address(page), kmap(page)): the same value each time. */
  contentsOf(page: ValueId): ValueId {
    let contents = this.contentsOfPage.get(page);
    if (contents === undefined) {
      contents = this.fresh();
      this.contentsOfPage.set(page, contents);
      this.pageOfContents.set(contents, page);
    }
    return contents;
  }

  existingContentsOf(page: ValueId): ValueId | undefined {
    return this.contentsOfPage.get(page);
  }

  pageOf(contents: ValueId): ValueId | undefined {
    return this.pageOfContents.get(contents);
  }
}

interface Revocation {
  call: SyntaxNode;
  row: OrderingRow;
  /** The page as written at the revoking call (normalised), and its node. */
  subject: string;
  subjectNode: SyntaxNode;
  /** Revoked through an address of the contents (free_pages(addr)) rather than the page. */
  viaAddress: boolean;
}

/** What is known at one point of a function: which expressions hold which values, and which values are revoked. */
class RevocationState {
  constructor(
    readonly bindings = new Map<string, Set<ValueId>>(),
    /** The assignment that last gave an expression its value, for the evidence. */
    readonly boundAt = new Map<string, SyntaxNode>(),
    readonly revoked = new Map<ValueId, Revocation>(),
  ) {}

  clone(): RevocationState {
    return new RevocationState(new Map([...this.bindings].map(([k, v]) => [k, new Set(v)])), new Map(this.boundAt), new Map(this.revoked));
  }

  /**
   * The states of several paths joined: a page revoked on any of them is
   * revoked (what may be). A revoked value that no expression holds any more
   * on its path is left out first: `free_pages(base); base = other;` on one
   * path and `base` untouched on the other must not make `base` freed.
   */
  static join(states: (RevocationState | null)[], values: ValueSpace): RevocationState | null {
    const live = states.filter((s): s is RevocationState => s !== null);
    if (live.length === 0) return null;
    if (live.length === 1) return live[0];
    for (const state of live) state.forgetUnheldRevocations(values);
    const joined = live[0].clone();
    for (const other of live.slice(1)) {
      for (const [key, bound] of other.bindings) {
        const mine = joined.bindings.get(key);
        if (mine) for (const value of bound) mine.add(value);
        else joined.bindings.set(key, new Set(bound));
      }
      for (const [key, node] of other.boundAt) if (!joined.boundAt.has(key)) joined.boundAt.set(key, node);
      for (const [value, revocation] of other.revoked) if (!joined.revoked.has(value)) joined.revoked.set(value, revocation);
    }
    return joined;
  }

  private forgetUnheldRevocations(values: ValueSpace): void {
    const held = new Set<ValueId>();
    for (const bound of this.bindings.values()) {
      for (const value of bound) {
        held.add(value);
        const related = values.pageOf(value) ?? values.existingContentsOf(value);
        if (related !== undefined) held.add(related);
      }
    }
    for (const value of [...this.revoked.keys()]) if (!held.has(value)) this.revoked.delete(value);
  }
}

// ---------------------------------------------------------------------------
// The domain over one function

export interface AccessFinding {
  access: SyntaxNode;
  accessRow: OrderingRow;
  /** The page as written at the access. */
  pageNode: SyntaxNode;
  revocation: Revocation;
  /** The page is written the same way at both calls. */
  exact: boolean;
  /** Assignments that make the two expressions the same page. */
  aliasSteps: { node: SyntaxNode; key: string }[];
}

/**
 * The rule's domain on the flow engine: the state is which expressions hold
 * which page values and which values are revoked; calls revoke, grant and
 * access, assignments and declarations bind.
 */
export class FunctionWalk implements FlowDomain<RevocationState> {
  private readonly values = new ValueSpace();
  /** Accesses already reported: a loop body is walked more than once. */
  private readonly reportedAccesses = new Set<number>();
  private readonly reportedCalls = new Set<number>();

  constructor(
    private readonly ordering: OrderingTable,
    private readonly onFinding: (finding: AccessFinding) => void,
  ) {}

  run(body: SyntaxNode): void {
    runFlow(body, this);
  }

  initial(): RevocationState {
    return new RevocationState();
  }

  clone(state: RevocationState): RevocationState {
    return state.clone();
  }

  join(states: RevocationState[]): RevocationState {
    return RevocationState.join(states, this.values)!;
  }

  /** Entering a loop: an iterator macro's cursor takes a value of its own. */
  statement(node: SyntaxNode, state: RevocationState): void {
    if (LOOPS.has(node.type)) this.forgetIteratorArguments(node, state);
  }

  /**
   * Round a loop: an iterator macro's cursor takes the next value, and what
   * lies in memory (`head->next`, `pages[i]`) may have changed behind the
   * walk's back (a list_del(), a store through another pointer), so only
   * plain variables keep their values into the next iteration.
   */
  loopBack(state: RevocationState, loop: SyntaxNode): void {
    for (const key of [...state.bindings.keys()]) {
      if (/^\w+$/.test(key)) continue;
      state.bindings.delete(key);
      state.boundAt.delete(key);
    }
    this.forgetIteratorArguments(loop, state);
  }

  expression(node: SyntaxNode, state: RevocationState): void {
    switch (node.type) {
      case 'assignment_expression':
        this.assignment(node, state);
        return;
      case 'init_declarator':
        this.initialisation(node, state);
        return;
      case 'update_expression':
        this.rebind(normaliseKey(node.childForFieldName('argument')!.text), new Set([this.values.fresh()]), node, state);
        return;
      case 'declaration':
        this.declareUninitialised(node, state);
        return;
    }
  }

  call(node: SyntaxNode, state: RevocationState): void {
    const known = this.ordering.roleOf(node);
    if (!known) {
      this.forgetPassedByAddress(node, state);
      return;
    }
    const { row, role } = known;
    if (role === 'revoke') this.revoke(node, row, state);
    else if (role === 'grant') this.grant(node, row, state);
    else if (role === 'access') this.checkAccess(node, row, state);
  }

  /**
   * An iterator macro (`list_for_each_entry(page, head, lru) {`) reaches here
   * as `while (page, head, lru)`: its cursor takes new values, so the names
   * given to it are forgotten.
   */
  private forgetIteratorArguments(loop: SyntaxNode, state: RevocationState): void {
    const condition = loop.childForFieldName('condition');
    if (!condition) return;
    const inner = stripCastsAndParens(condition);
    if (inner.type !== 'comma_expression') return;
    for (const operand of inner.descendantsOfType('identifier')) {
      if (operand.parent === inner || operand.parent?.type === 'comma_expression') {
        this.rebind(operand.text, new Set([this.values.fresh()]), condition, state);
      }
    }
  }

  private assignment(node: SyntaxNode, state: RevocationState): void {
    const left = node.childForFieldName('left')!;
    const right = node.childForFieldName('right')!;
    const plain = node.childForFieldName('operator')?.text === '=';
    this.rebind(normaliseKey(left.text), plain ? this.assignedValues(right, state) : new Set([this.values.fresh()]), node, state);
  }

  private initialisation(node: SyntaxNode, state: RevocationState): void {
    const value = node.childForFieldName('value')!;
    const name = declaredName(node.childForFieldName('declarator'));
    if (!name) return;
    this.rebind(name, this.assignedValues(value, state), node, state);
  }

  /**
   * What a variable takes from its initial or assigned value: the value's own
   * values, but a new one for each call (`p = alloc_page(gfp)` twice gives
   * two pages) other than page_address() and its kin, for `{...}`, and for
   * a constant: `p = NULL` names no page, so two variables set to NULL (or
   * one set again when a retry goes round) share nothing.
   */
  private assignedValues(value: SyntaxNode, state: RevocationState): Set<ValueId> {
    const node = stripCastsAndParens(value);
    const freshEachTime =
      node.type === 'initializer_list' ||
      CONSTANTS.has(node.type) ||
      (node.type === 'call_expression' && !contentsProducerPage(node, this.ordering));
    return freshEachTime ? new Set([this.values.fresh()]) : this.valuesOf(value, state);
  }

  /** `struct page *p;` starts a new, unrelated p (it may shadow an outer one). */
  private declareUninitialised(node: SyntaxNode, state: RevocationState): void {
    for (const declarator of node.childrenForFieldName('declarator')) {
      if (declarator.type === 'init_declarator') continue;
      const name = declaredName(declarator);
      if (name) this.rebind(name, new Set([this.values.fresh()]), node, state);
    }
  }

  /** `key` now holds `values`; expressions built on the old key (`key->x`, `pages[key]`) are forgotten. */
  private rebind(key: string, values: Set<ValueId>, at: SyntaxNode, state: RevocationState): void {
    const mentions = mentionPattern(key);
    for (const other of [...state.bindings.keys()]) {
      if (other !== key && mentions.test(other)) {
        state.bindings.delete(other);
        state.boundAt.delete(other);
      }
    }
    state.bindings.set(key, values);
    state.boundAt.set(key, at);
  }

  /** An unknown call given `&p` may change p. */
  private forgetPassedByAddress(node: SyntaxNode, state: RevocationState): void {
    for (const arg of callArguments(node)) {
      const operand = addressTaken(arg);
      if (operand) this.rebind(normaliseKey(operand.text), new Set([this.values.fresh()]), node, state);
    }
  }

  private revoke(node: SyntaxNode, row: OrderingRow, state: RevocationState): void {
    for (const { arg, viaAddress } of this.pageArgumentsOf(node, row)) {
      const subjectNode = subjectOf(arg, this.ordering);
      const revocation: Revocation = { call: node, row, subject: normaliseKey(subjectNode.text), subjectNode, viaAddress };
      const values = this.valuesOf(arg, state);
      for (const value of values) if (!state.revoked.has(value)) state.revoked.set(value, revocation);
    }
  }

  private grant(node: SyntaxNode, row: OrderingRow, state: RevocationState): void {
    for (const { arg, viaAddress } of this.pageArgumentsOf(node, row)) {
      const values = this.valuesOf(arg, state);
      for (const value of values) {
        state.revoked.delete(value);
        const related = viaAddress ? this.values.pageOf(value) : this.values.existingContentsOf(value);
        if (related !== undefined) state.revoked.delete(related);
      }
    }
  }

  private checkAccess(node: SyntaxNode, row: OrderingRow, state: RevocationState): void {
    for (const { arg, viaAddress } of this.pageArgumentsOf(node, row)) {
      const inner = stripCastsAndParens(arg);
      if (inner.type === 'call_expression' && this.reportedCalls.has(inner.startIndex)) continue;
      const revocation = viaAddress ? this.revokedAddress(arg, state) : this.revokedPage(arg, state);
      if (!revocation) continue;
      this.reportedCalls.add(node.startIndex);
      if (this.reportedAccesses.has(node.id)) return;
      this.reportedAccesses.add(node.id);
      const pageNode = subjectOf(arg, this.ordering);
      const exact = normaliseKey(pageNode.text) === revocation.subject;
      this.onFinding({ access: node, accessRow: row, pageNode, revocation, exact, aliasSteps: exact ? [] : this.aliasSteps(pageNode, revocation, state) });
      return;
    }
  }

  /** The revocation reaching a page argument: the page itself, or its contents freed by address. */
  private revokedPage(arg: SyntaxNode, state: RevocationState): Revocation | undefined {
    for (const value of this.valuesOf(arg, state)) {
      const direct = state.revoked.get(value);
      if (direct && !direct.viaAddress) return direct;
      const contents = this.values.existingContentsOf(value);
      const byAddress = contents === undefined ? undefined : state.revoked.get(contents);
      if (byAddress?.viaAddress) return byAddress;
    }
    return undefined;
  }

  /** The revocation reaching an address argument: the address freed, or the page it lies in revoked. */
  private revokedAddress(arg: SyntaxNode, state: RevocationState): Revocation | undefined {
    for (const value of this.valuesOf(arg, state)) {
      const direct = state.revoked.get(value);
      if (direct?.viaAddress) return direct;
      const page = this.values.pageOf(value);
      const byPage = page === undefined ? undefined : state.revoked.get(page);
      if (byPage && !byPage.viaAddress) return byPage;
    }
    return undefined;
  }

  /** The arguments of a call that hold its page; for `*` rows, only those that are an address of a page's contents. */
  private pageArgumentsOf(node: SyntaxNode, row: OrderingRow): { arg: SyntaxNode; viaAddress: boolean }[] {
    const args = callArguments(node);
    const out: { arg: SyntaxNode; viaAddress: boolean }[] = [];
    for (const spec of row.pageArguments) {
      if (spec.kind === 'any-address') out.push(...args.map((arg) => ({ arg, viaAddress: true })));
      else if (args[spec.index]) out.push({ arg: args[spec.index], viaAddress: spec.kind === 'address' });
    }
    return out;
  }

  /** The values an expression may hold: through casts, to the contents of a page, along an offset into them. */
  private valuesOf(expression: SyntaxNode, state: RevocationState): Set<ValueId> {
    const node = stripCastsAndParens(expression);
    const page = contentsProducerPage(node, this.ordering);
    if (page) return new Set([...this.valuesOf(page, state)].map((v) => this.values.contentsOf(v)));
    if (this.isOffsetIntoContents(node, state)) return this.valuesOf(node.childForFieldName('left')!, state);
    const key = normaliseKey(node.text);
    let values = state.bindings.get(key);
    if (!values) state.bindings.set(key, (values = new Set([this.values.fresh()])));
    return values;
  }

  /**
   * `page_address(p) + off`, `addr + off` with addr = kmap(p): still inside
   * p's contents. Other arithmetic (`pages + i`, `base + SZ_1M` after a free
   * of part of a block) may name another page, so it is a value of its own.
   */
  private isOffsetIntoContents(node: SyntaxNode, state: RevocationState): boolean {
    if (!isArithmetic(node)) return false;
    const left = stripCastsAndParens(node.childForFieldName('left')!);
    if (contentsProducerPage(left, this.ordering)) return true;
    const bound = state.bindings.get(normaliseKey(left.text));
    return bound !== undefined && [...bound].some((value) => this.values.pageOf(value) !== undefined);
  }

  /** The assignments, if any, through which the access's page and the revoked page are the same. */
  private aliasSteps(pageNode: SyntaxNode, revocation: Revocation, state: RevocationState): { node: SyntaxNode; key: string }[] {
    const accessKey = normaliseKey(pageNode.text);
    const steps: { node: SyntaxNode; key: string }[] = [];
    for (const key of [revocation.subject, accessKey]) {
      const at = state.boundAt.get(key);
      if (at && !steps.some((s) => s.node === at)) steps.push({ node: at, key });
    }
    return steps;
  }
}

// ---------------------------------------------------------------------------
// Syntax helpers

/** For page_address(p), kmap(p) and the like (the table's address rows, and access rows on a page): p. */
function contentsProducerPage(node: SyntaxNode, ordering: OrderingTable): SyntaxNode | undefined {
  if (node.type !== 'call_expression') return undefined;
  const known = ordering.roleOf(node);
  if (!known || (known.role !== 'address' && known.role !== 'access')) return undefined;
  const first = known.row.pageArguments[0];
  return first.kind === 'page' ? callArguments(node)[first.index] : undefined;
}

/** The page an argument is about, as written: p in `p`, `page_address(p) + off`, `(void *)kmap(p)`, `addr + off`. */
function subjectOf(arg: SyntaxNode, ordering: OrderingTable): SyntaxNode {
  const node = stripCastsAndParens(arg);
  const page = contentsProducerPage(node, ordering);
  if (page) return subjectOf(page, ordering);
  if (isArithmetic(node)) return subjectOf(node.childForFieldName('left')!, ordering);
  return node;
}

function isArithmetic(node: SyntaxNode): boolean {
  const operator = node.childForFieldName('operator')?.text;
  return node.type === 'binary_expression' && (operator === '+' || operator === '-');
}
