// Part 2 of the nonrefcounted-page-ref rule, over one function body: a pfn
// read from the page tables of a VM_PFNMAP/VM_IO mapping (follow_pte(),
// follow_pfn(), ..., data/knowledge/pfnmap-lookups.txt) is followed through
// plain assignments and conversions (pte_pfn(), pfn_to_page(), ...) to an
// unconditional get or put on it or its page. Such a pfn may have a struct
// page whose count is not used (a tail page of a non-compound higher-order
// allocation, as TTM maps them), so the get and the later put free it out
// from under its owner. A conditional acquire on the value
// (get_page_unless_zero(), kvm_try_get_pfn()) is the check that makes it
// safe; pfn_valid()/PageReserved()-style tests are only weak checks, since
// such a tail page is valid and not reserved. This is a domain on the shared
// flow engine (src/analysis/flow). Values may be tainted on some path
// (branches join by union); a check counts only when every path holding the
// value made it.

import type { SyntaxNode } from '../../src/frontend/parse';
import { addressTaken, callArguments, declaredName, mentionPattern, normaliseKey, stripCastsAndParens } from '../../src/frontend/syntax';
import type { FlowDomain } from '../../src/analysis/flow/domain';
import { runFlow } from '../../src/analysis/flow/engine';
import type { Kind, PfnmapRole, PfnmapRow, PfnmapTable } from './pfnmap-table';

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

class PfnFlowState {
  constructor(
    readonly bindings = new Map<string, Value>(),
    /** Ids of values a conditional acquire has checked. */
    readonly strong = new Set<number>(),
    /** Ids of values a weak check has tested. */
    readonly weak = new Map<number, WeakCheck>(),
  ) {}

  clone(): PfnFlowState {
    return new PfnFlowState(new Map(this.bindings), new Set(this.strong), new Map(this.weak));
  }

  private heldIds(): Set<number> {
    const held = new Set<number>();
    for (const value of this.bindings.values()) for (const id of value.lineage) held.add(id);
    return held;
  }

  /** Paths joined: a value bound on any path is bound; a check holds only if every path that holds the value made it. */
  static join(states: (PfnFlowState | null)[]): PfnFlowState | null {
    const live = states.filter((s): s is PfnFlowState => s !== null);
    if (live.length === 0) return null;
    if (live.length === 1) return live[0];
    const held = live.map((s) => s.heldIds());
    const everywhere = (id: number, has: (s: PfnFlowState) => boolean): boolean => live.every((s, i) => has(s) || !held[i].has(id));
    const joined = new PfnFlowState();
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
export class PfnmapWalk implements FlowDomain<PfnFlowState> {
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

  initial(): PfnFlowState {
    return new PfnFlowState();
  }

  clone(state: PfnFlowState): PfnFlowState {
    return state.clone();
  }

  join(states: PfnFlowState[]): PfnFlowState {
    return PfnFlowState.join(states)!;
  }

  expression(node: SyntaxNode, state: PfnFlowState): void {
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
  private bind(key: string, value: Value | null, at: SyntaxNode, state: PfnFlowState): void {
    const mentions = mentionPattern(key);
    for (const other of [...state.bindings.keys()]) if (other !== key && mentions.test(other)) state.bindings.delete(other);
    if (!value) {
      state.bindings.delete(key);
      return;
    }
    const described = `here '${key}' takes ${KIND_TEXT[value.kind]}`;
    state.bindings.set(key, { ...value, steps: [...value.steps, { node: at, message: described }] });
  }

  call(node: SyntaxNode, state: PfnFlowState): void {
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

  private checkSink(node: SyntaxNode, row: PfnmapRow, arg: SyntaxNode, state: PfnFlowState): void {
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
  private valueOf(expression: SyntaxNode, state: PfnFlowState): Value | null {
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

  private callValue(call: SyntaxNode, state: PfnFlowState): Value | null {
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
