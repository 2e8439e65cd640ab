// A parsed tree copied once into flat typed arrays, with a light node facade
// over them. Every node accessor of the tree-sitter binding crosses into
// native code and allocates (about 60% of a typed scan's time went there);
// after the one cursor walk here, nothing does. Nodes are numbered in
// document order (pre-order), so a node's subtree is one contiguous range of
// numbers: "descendants of type T" is a binary search in T's sorted list.

import type Parser = require('tree-sitter');
import * as copy from './tree-copy';
import { Columns, copyTree, fieldIdNamed, fieldNameOf, TYPE_SLOTS, typeIdsNamed, typeNameOf, typeSlotOf } from './tree-copy';

// Local copies: the facade's accessors are hot in every rule, and an imported binding is read through its module object.
const NAMED = copy.NAMED;
const MISSING = copy.MISSING;
const HAS_ERROR = copy.HAS_ERROR;
const ERROR_SYMBOL = copy.ERROR_SYMBOL;

export interface Point {
  row: number;
  column: number;
}

/** Node ids are unique across tables, as the binding's are, so maps keyed by id may mix trees. */
let nextIdBase = 1;

export class SyntaxTable {
  /** The text the tree was parsed from (offsets and node text refer to it). */
  readonly text: string;
  readonly size: number;
  readonly idBase: number;
  private readonly kind: Uint16Array;
  private readonly field: Uint16Array;
  private readonly start: Uint32Array;
  private readonly end: Uint32Array;
  private readonly parentOf: Int32Array;
  private readonly firstChildOf: Int32Array;
  private readonly nextSiblingOf: Int32Array;
  /** The last node number inside each node's subtree. */
  private readonly lastDescendant: Int32Array;
  private readonly flags: Uint8Array;
  private readonly nodes: (SyntaxNode | undefined)[];
  private lineStarts: number[] | null = null;
  /** The nodes of each type, in document order, by type slot (typeSlotOf). */
  private byType: Int32Array[] | null = null;
  private namedUses: Map<string, Map<string, SyntaxNode[]>> = new Map();
  private readonly derivedData = new Map<string, unknown>();

  private constructor(text: string, columns: Columns) {
    this.text = text;
    this.size = columns.size;
    this.kind = columns.kind;
    this.field = columns.field;
    this.start = columns.start;
    this.end = columns.end;
    this.parentOf = columns.parent;
    this.firstChildOf = columns.firstChild;
    this.nextSiblingOf = columns.nextSibling;
    this.lastDescendant = columns.lastDescendant;
    this.flags = columns.flags;
    this.nodes = new Array(columns.size);
    this.idBase = nextIdBase;
    nextIdBase += columns.size;
  }

  /** Copies a native tree (one cursor walk); the native tree is not needed afterwards. */
  static fromTree(tree: Parser.Tree, text: string): SyntaxTable {
    return new SyntaxTable(text, copyTree(tree, text));
  }

  get rootNode(): SyntaxNode {
    return this.node(0);
  }

  node(index: number): SyntaxNode {
    return (this.nodes[index] ??= new SyntaxNode(this, index));
  }

  nodeOrNull(index: number): SyntaxNode | null {
    return index < 0 ? null : this.node(index);
  }

  typeIdOf(index: number): number {
    return this.kind[index];
  }
  typeOf(index: number): string {
    return typeNameOf(this.kind[index]);
  }
  fieldIdOf(index: number): number {
    return this.field[index];
  }
  startOf(index: number): number {
    return this.start[index];
  }
  endOf(index: number): number {
    return this.end[index];
  }
  parentIndex(index: number): number {
    return this.parentOf[index];
  }
  firstChildIndex(index: number): number {
    return this.firstChildOf[index];
  }
  nextSiblingIndex(index: number): number {
    return this.nextSiblingOf[index];
  }
  lastDescendantIndex(index: number): number {
    return this.lastDescendant[index];
  }
  isNamed(index: number): boolean {
    return (this.flags[index] & NAMED) !== 0;
  }
  isMissing(index: number): boolean {
    return (this.flags[index] & MISSING) !== 0;
  }
  hasError(index: number): boolean {
    return (this.flags[index] & HAS_ERROR) !== 0;
  }

  /** Row and column (in UTF-16 code units, as the binding counts them) of a text offset. */
  pointAt(offset: number): Point {
    const starts = (this.lineStarts ??= lineStartsOf(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return { row: low, column: offset - starts[low] };
  }

  /** Nodes of the given types inside `index`'s subtree (itself included), in document order. */
  descendantsOfType(index: number, types: string | readonly string[]): SyntaxNode[] {
    const wanted = typeof types === 'string' ? [types] : types;
    const last = this.lastDescendant[index];
    const found: number[] = [];
    for (const name of wanted) {
      for (const id of typeIdsNamed(name)) {
        const list = this.nodesOfTypeId(id);
        for (let i = lowerBound(list, index); i < list.length && list[i] <= last; i++) found.push(list[i]);
      }
    }
    if (wanted.length > 1) found.sort((a, b) => a - b);
    return found.map((i) => this.node(i));
  }

  /** The smallest node inside `index`'s subtree that spans [start, end], as the binding's descendantForIndex. */
  descendantForRange(index: number, startOffset: number, endOffset: number): number {
    let node = index;
    for (;;) {
      let next = -1;
      for (let child = this.firstChildOf[node]; child >= 0; child = this.nextSiblingOf[child]) {
        // The child must reach the end of the range and go past its start, and begin at or before its start.
        if (this.end[child] < endOffset || this.end[child] <= startOffset) continue;
        if (this.start[child] > startOffset) break;
        next = child;
        break;
      }
      if (next < 0) return node;
      node = next;
    }
  }

  /**
   * Per-file look-ups, built once: the nodes of `type` (e.g. 'identifier', 'field_identifier')
   * whose text is `name`, in document order. An analysis asks for the uses of one name instead
   * of walking the file again for each candidate.
   */
  uses(type: string, name: string): readonly SyntaxNode[] {
    let byName = this.namedUses.get(type);
    if (!byName) {
      byName = new Map();
      // An index, not for-of: an empty list and a full one have different maps, and the
      // optimised iteration of one was thrown away at the first of the other.
      const nodes = this.descendantsOfType(0, type);
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i];
        const list = byName.get(node.text);
        if (list) list.push(node);
        else byName.set(node.text, [node]);
      }
      this.namedUses.set(type, byName);
    }
    return byName.get(name) ?? [];
  }

  /** Something an analysis derives from the whole file, computed on first use and kept with the table. */
  derived<T>(key: string, compute: () => T): T {
    if (!this.derivedData.has(key)) this.derivedData.set(key, compute());
    return this.derivedData.get(key) as T;
  }

  private nodesOfTypeId(typeId: number): Int32Array {
    if (!this.byType) this.byType = groupByType(this.kind, this.size);
    return this.byType[typeSlotOf(typeId)];
  }
}

const EMPTY = new Int32Array(0);

/** A node of a SyntaxTable, with the accessors of the binding's SyntaxNode that the analyses use. */
export class SyntaxNode {
  constructor(
    readonly table: SyntaxTable,
    readonly index: number,
  ) {}

  /** Unique across the tables of a thread (the binding's ids are too). */
  get id(): number {
    return this.table.idBase + this.index;
  }
  get type(): string {
    return this.table.typeOf(this.index);
  }
  get typeId(): number {
    return this.table.typeIdOf(this.index);
  }
  get text(): string {
    return this.table.text.slice(this.table.startOf(this.index), this.table.endOf(this.index));
  }
  get startIndex(): number {
    return this.table.startOf(this.index);
  }
  get endIndex(): number {
    return this.table.endOf(this.index);
  }
  get startPosition(): Point {
    return this.table.pointAt(this.table.startOf(this.index));
  }
  get endPosition(): Point {
    return this.table.pointAt(this.table.endOf(this.index));
  }
  get isNamed(): boolean {
    return this.table.isNamed(this.index);
  }
  get isMissing(): boolean {
    return this.table.isMissing(this.index);
  }
  get isError(): boolean {
    return this.table.typeIdOf(this.index) === ERROR_SYMBOL;
  }
  get hasError(): boolean {
    return this.table.hasError(this.index);
  }
  get parent(): SyntaxNode | null {
    return this.table.nodeOrNull(this.table.parentIndex(this.index));
  }

  get children(): SyntaxNode[] {
    const result: SyntaxNode[] = [];
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      result.push(this.table.node(child));
    }
    return result;
  }
  get namedChildren(): SyntaxNode[] {
    const result: SyntaxNode[] = [];
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      if (this.table.isNamed(child)) result.push(this.table.node(child));
    }
    return result;
  }
  get childCount(): number {
    let count = 0;
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) count++;
    return count;
  }
  get namedChildCount(): number {
    let count = 0;
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      if (this.table.isNamed(child)) count++;
    }
    return count;
  }
  child(position: number): SyntaxNode | null {
    let child = this.table.firstChildIndex(this.index);
    for (let i = 0; child >= 0 && i < position; i++) child = this.table.nextSiblingIndex(child);
    return position < 0 ? null : this.table.nodeOrNull(child);
  }
  namedChild(position: number): SyntaxNode | null {
    if (position < 0) return null;
    let seen = 0;
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      if (this.table.isNamed(child) && seen++ === position) return this.table.node(child);
    }
    return null;
  }
  get firstChild(): SyntaxNode | null {
    return this.table.nodeOrNull(this.table.firstChildIndex(this.index));
  }
  get firstNamedChild(): SyntaxNode | null {
    return this.namedChild(0);
  }
  get lastChild(): SyntaxNode | null {
    const children = this.children;
    return children[children.length - 1] ?? null;
  }
  get lastNamedChild(): SyntaxNode | null {
    const children = this.namedChildren;
    return children[children.length - 1] ?? null;
  }
  get nextSibling(): SyntaxNode | null {
    return this.table.nodeOrNull(this.table.nextSiblingIndex(this.index));
  }
  get nextNamedSibling(): SyntaxNode | null {
    for (let next = this.table.nextSiblingIndex(this.index); next >= 0; next = this.table.nextSiblingIndex(next)) {
      if (this.table.isNamed(next)) return this.table.node(next);
    }
    return null;
  }
  get previousSibling(): SyntaxNode | null {
    return this.siblingBefore(false);
  }
  get previousNamedSibling(): SyntaxNode | null {
    return this.siblingBefore(true);
  }

  childForFieldName(name: string): SyntaxNode | null {
    const fieldId = fieldIdNamed(name);
    // As in tree-sitter, an ERROR node has no production, so no field look-up finds a child in it.
    if (fieldId === undefined || this.isError) return null;
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      if (this.table.fieldIdOf(child) === fieldId) return this.table.node(child);
    }
    return null;
  }
  childrenForFieldName(name: string): SyntaxNode[] {
    const fieldId = fieldIdNamed(name);
    if (fieldId === undefined) return [];
    const result: SyntaxNode[] = [];
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      if (this.table.fieldIdOf(child) === fieldId) result.push(this.table.node(child));
    }
    return result;
  }
  /** The field this node fills in its parent, or null. */
  get fieldName(): string | null {
    return fieldNameOf(this.table.fieldIdOf(this.index)) ?? null;
  }

  fieldNameForNamedChild(position: number): string | null {
    return this.namedChild(position)?.fieldName ?? null;
  }

  descendantsOfType(types: string | readonly string[]): SyntaxNode[] {
    return this.table.descendantsOfType(this.index, types);
  }
  descendantForIndex(startOffset: number, endOffset = startOffset): SyntaxNode {
    return this.table.node(this.table.descendantForRange(this.index, startOffset, endOffset));
  }
  /** Whether `other` lies in this node's subtree (itself included). */
  contains(other: SyntaxNode): boolean {
    return other.table === this.table && other.index >= this.index && other.index <= this.table.lastDescendantIndex(this.index);
  }

  equals(other: SyntaxNode): boolean {
    return other.table === this.table && other.index === this.index;
  }

  /** The S-expression the binding prints: named nodes, fields, MISSING. */
  toString(): string {
    const inner = this.namedChildren.map((child) => {
      const field = child.fieldName;
      return ` ${field ? `${field}: ` : ''}${child.toString()}`;
    });
    const label = this.isMissing ? `MISSING ${this.type}` : this.type;
    return `(${label}${inner.join('')})`;
  }

  private siblingBefore(named: boolean): SyntaxNode | null {
    const parent = this.table.parentIndex(this.index);
    if (parent < 0) return null;
    let found = -1;
    for (let child = this.table.firstChildIndex(parent); child >= 0 && child !== this.index; child = this.table.nextSiblingIndex(child)) {
      if (!named || this.table.isNamed(child)) found = child;
    }
    return this.table.nodeOrNull(found);
  }
}

/** One counting sort of the node numbers by type: each type's list is a view of one array. */
/**
 * The node numbers of each type slot, in document order. The two passes over the nodes are
 * functions of their own: V8 compiles a long loop on the fly (OSR) during the first call, and
 * the code after the loop, which had never run, had no type feedback; the cached OSR code then
 * deoptimised at it on every later call (75 times a run).
 */
function groupByType(kind: Uint16Array, size: number): Int32Array[] {
  const firstOf = new Int32Array(TYPE_SLOTS + 1);
  countByType(kind, size, firstOf);
  for (let slot = 0; slot < TYPE_SLOTS; slot++) firstOf[slot + 1] += firstOf[slot];
  const sorted = sortedByType(kind, size, firstOf.slice(0, TYPE_SLOTS));
  const lists = new Array<Int32Array>(TYPE_SLOTS).fill(EMPTY);
  for (let slot = 0; slot < TYPE_SLOTS; slot++) {
    if (firstOf[slot + 1] > firstOf[slot]) lists[slot] = sorted.subarray(firstOf[slot], firstOf[slot + 1]);
  }
  return lists;
}

/** counts[slot + 1] += the nodes of each type slot. */
function countByType(kind: Uint16Array, size: number, counts: Int32Array): void {
  for (let i = 0; i < size; i++) counts[typeSlotOf(kind[i]) + 1]++;
}

/** The node numbers sorted by type slot, each slot's from `next[slot]` on. */
function sortedByType(kind: Uint16Array, size: number, next: Int32Array): Int32Array {
  const sorted = new Int32Array(size);
  for (let i = 0; i < size; i++) sorted[next[typeSlotOf(kind[i])]++] = i;
  return sorted;
}

function lowerBound(list: Int32Array, value: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (list[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}
