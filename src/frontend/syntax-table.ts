// A parsed tree copied once into flat typed arrays, with a light node facade
// over them. Every node accessor of the tree-sitter binding crosses into
// native code and allocates (about 60% of a typed scan's time went there);
// after the one cursor walk here, nothing does. Nodes are numbered in
// document order (pre-order), so a node's subtree is one contiguous range of
// numbers: "descendants of type T" is a binary search in T's sorted list.

import type Parser = require('tree-sitter');
import { TOKEN_SYMBOLS, TYPES_WITHOUT_FIELDS } from './grammar-shape';

export interface Point {
  row: number;
  column: number;
}

const NAMED = 1;
const MISSING = 2;
const HAS_ERROR = 4;

/** tree-sitter's symbol for ERROR nodes. */
const ERROR_SYMBOL = 65535;

/** Names of node types and fields by id, shared by every table (one grammar). */
const typeNames: string[] = [];
const typeIsNamed: boolean[] = [];
/** Whether a node of the type can have a child in a field (false only when the grammar gives the type no fields). */
const typeHasFields: boolean[] = [];
const fieldNames: string[] = [];
const fieldIds = new Map<string, number>();
const typeIdsByName = new Map<string, number[]>();

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
  private byType: Map<number, Int32Array> | null = null;
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
    const columns = copyTree(tree, text.length);
    markErrors(tree.rootNode, 0, columns);
    return new SyntaxTable(text, columns);
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
    return typeNames[this.kind[index]];
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
      for (const node of this.descendantsOfType(0, type)) {
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
    return this.byType.get(typeId) ?? EMPTY;
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
    const fieldId = fieldIds.get(name);
    // As in tree-sitter, an ERROR node has no production, so no field look-up finds a child in it.
    if (fieldId === undefined || this.isError) return null;
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      if (this.table.fieldIdOf(child) === fieldId) return this.table.node(child);
    }
    return null;
  }
  childrenForFieldName(name: string): SyntaxNode[] {
    const fieldId = fieldIds.get(name);
    if (fieldId === undefined) return [];
    const result: SyntaxNode[] = [];
    for (let child = this.table.firstChildIndex(this.index); child >= 0; child = this.table.nextSiblingIndex(child)) {
      if (this.table.fieldIdOf(child) === fieldId) result.push(this.table.node(child));
    }
    return result;
  }
  /** The field this node fills in its parent, or null. */
  get fieldName(): string | null {
    return fieldNames[this.table.fieldIdOf(this.index)] ?? null;
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

interface Columns {
  size: number;
  kind: Uint16Array;
  field: Uint16Array;
  start: Uint32Array;
  end: Uint32Array;
  parent: Int32Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  lastDescendant: Int32Array;
  flags: Uint8Array;
}

function allocate(capacity: number): Columns {
  return {
    size: 0,
    kind: new Uint16Array(capacity),
    field: new Uint16Array(capacity),
    start: new Uint32Array(capacity),
    end: new Uint32Array(capacity),
    parent: new Int32Array(capacity),
    firstChild: new Int32Array(capacity),
    nextSibling: new Int32Array(capacity),
    lastDescendant: new Int32Array(capacity),
    flags: new Uint8Array(capacity),
  };
}

function grow(columns: Columns): Columns {
  const bigger = allocate(columns.kind.length * 2);
  bigger.size = columns.size;
  for (const key of ['kind', 'field', 'start', 'end', 'parent', 'firstChild', 'nextSibling', 'lastDescendant', 'flags'] as const) {
    (bigger[key] as Uint32Array).set(columns[key] as Uint32Array);
  }
  return bigger;
}

function trim(columns: Columns): Columns {
  const n = columns.size;
  return {
    size: n,
    kind: columns.kind.slice(0, n),
    field: columns.field.slice(0, n),
    start: columns.start.slice(0, n),
    end: columns.end.slice(0, n),
    parent: columns.parent.slice(0, n),
    firstChild: columns.firstChild.slice(0, n),
    nextSibling: columns.nextSibling.slice(0, n),
    lastDescendant: columns.lastDescendant.slice(0, n),
    flags: columns.flags.slice(0, n),
  };
}

/**
 * One pre-order cursor walk. Native calls are what it costs, so per node it asks only
 * for the type id, the field id unless the parent's type has no fields, the end
 * offset, and the start offset unless the node is a first child (which starts where
 * its parent does; an end cannot be inferred so, as a hidden trailing token, such as
 * a directive's newline, ends a parent after its last visible child); it looks for
 * children only below non-tokens (grammar-shape.ts). Names and named-ness are asked
 * once per type id; missing-ness only of zero-width leaves (a MISSING node is always one).
 */
function copyTree(tree: Parser.Tree, textLength: number): Columns {
  let columns = allocate(Math.max(64, textLength >> 2));
  const cursor = tree.walk();
  // The open ancestors, and the last child seen of each, to link siblings.
  const ancestors: number[] = [];
  const lastChild: number[] = [];
  let firstChild = false;
  for (;;) {
    if (columns.size === columns.kind.length) columns = grow(columns);
    const index = columns.size++;
    const typeId = cursor.nodeTypeId;
    if (typeNames[typeId] === undefined) {
      registerType(typeId, cursor.nodeType, cursor.nodeIsNamed);
    }
    const depth = ancestors.length;
    const fieldId = depth && typeHasFields[columns.kind[ancestors[depth - 1]]] ? (cursor.currentFieldId ?? 0) : 0;
    if (fieldId && fieldNames[fieldId] === undefined) {
      fieldNames[fieldId] = cursor.currentFieldName;
      fieldIds.set(cursor.currentFieldName, fieldId);
    }
    columns.kind[index] = typeId;
    columns.field[index] = fieldId;
    columns.start[index] = firstChild ? columns.start[ancestors[depth - 1]] : cursor.startIndex;
    columns.flags[index] = typeIsNamed[typeId] ? NAMED : 0;
    columns.firstChild[index] = -1;
    columns.nextSibling[index] = -1;
    columns.end[index] = cursor.endIndex;
    columns.lastDescendant[index] = index;
    columns.parent[index] = depth ? ancestors[depth - 1] : -1;
    if (depth) {
      const previous = lastChild[depth - 1];
      if (previous < 0) columns.firstChild[ancestors[depth - 1]] = index;
      else columns.nextSibling[previous] = index;
      lastChild[depth - 1] = index;
    }
    if (typeId >= TOKEN_SYMBOLS && cursor.gotoFirstChild()) {
      ancestors.push(index);
      lastChild.push(-1);
      firstChild = true;
      continue;
    }
    if (columns.end[index] === columns.start[index] && cursor.nodeIsMissing) columns.flags[index] |= MISSING;
    firstChild = false;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return finish(trim(columns));
      ancestors.pop();
      lastChild.pop();
    }
  }
}

/** Fills each node's last descendant, children before parents. */
function finish(columns: Columns): Columns {
  for (let index = columns.size - 1; index > 0; index--) {
    const parent = columns.parent[index];
    if (columns.lastDescendant[index] > columns.lastDescendant[parent]) columns.lastDescendant[parent] = columns.lastDescendant[index];
  }
  return columns;
}

/**
 * hasError as tree-sitter says it: an error can sit in a hidden node or a skipped token that
 * the walk does not see, so ask the tree, descending only into subtrees that have one (few).
 */
function markErrors(native: Parser.SyntaxNode, index: number, columns: Columns): void {
  if (!native.hasError) return;
  columns.flags[index] |= HAS_ERROR;
  let child = columns.firstChild[index];
  for (const nativeChild of native.children) {
    markErrors(nativeChild, child, columns);
    child = columns.nextSibling[child];
  }
}

/** Each type's nodes in document order: a counting sort over typed arrays (maps per node cost more than the rest of a file's look-ups). */
function groupByType(kind: Uint16Array, size: number): Map<number, Int32Array> {
  // Scratch counters shared by every table of the thread, left zeroed after use.
  const counts = (typeCounts ??= new Int32Array(TYPE_ID_LIMIT));
  for (let i = 0; i < size; i++) counts[kind[i]]++;
  const all = new Int32Array(size);
  const lists = new Map<number, Int32Array>();
  for (let typeId = 0, offset = 0; typeId < TYPE_ID_LIMIT; typeId++) {
    const count = counts[typeId];
    if (count === 0) continue;
    lists.set(typeId, all.subarray(offset, offset + count));
    // From here on, where the type's next node goes.
    counts[typeId] = offset;
    offset += count;
  }
  for (let i = 0; i < size; i++) all[counts[kind[i]]++] = i;
  for (const typeId of lists.keys()) counts[typeId] = 0;
  return lists;
}

/** Type ids are 16-bit (ERROR is 65535). */
const TYPE_ID_LIMIT = 1 << 16;
let typeCounts: Int32Array | null = null;

function registerType(typeId: number, name: string, named: boolean): void {
  typeNames[typeId] = name;
  typeIsNamed[typeId] = named;
  typeHasFields[typeId] = !(named && TYPES_WITHOUT_FIELDS.has(name));
  const ids = typeIdsByName.get(name);
  if (ids) ids.push(typeId);
  else typeIdsByName.set(name, [typeId]);
}

/** Several symbols can share a name (aliases); a look-up by name covers all of them. */
function typeIdsNamed(name: string): readonly number[] {
  return typeIdsByName.get(name) ?? [];
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
