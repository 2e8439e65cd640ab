// The copy of tree-sitter's tree into the flat columns of a SyntaxTable: one
// cursor walk in document order. Native calls are what it costs (about 60 ns
// each, more than everything else of the walk), so it asks only what the
// grammar (grammar-shape.ts) and what the walk has already seen cannot tell:
// - the type id of each node (names and named-ness once per type id);
// - a field id only where node-types.json lets the child's type fill more than
//   one field of its parent, or none is sure (ERROR);
// - a start only where it does not follow: a first child starts with its
//   parent, any other node after the blanks that follow its previous sibling
//   (asked of ERROR nodes, and of tokens that may begin with a blank when there
//   were blanks to skip);
// - an end only of leaves other than words and string tokens, of rules that end
//   with a hidden token (a directive's newline), of ERROR nodes and the root: a
//   string token ends its length later, a word where its characters end, any
//   other node with its last child;
// - children only below types that can have some, and a next sibling only
//   where the grammar lets one follow (in a parent without errors).
// MISSING nodes break the inferences (zero width, a string token's type): they
// are found first (error-marks.ts, with hasError on the few subtrees holding an
// error), and near one the walk asks everything.

import type Parser = require('tree-sitter');
import * as marksOf from './error-marks';
import { ErrorMarks, readErrorMarks } from './error-marks';
import { alwaysLastChild, fieldOfChild, TOKEN_SYMBOLS, tokenTexts, typesEndingPastLastChild } from './grammar-shape';

// Module-local constants for the hot code (an exported one is read through `exports`).
const NAMED_FLAG = 1;
const MISSING_FLAG = 2;
const HAS_ERROR_FLAG = 4;
const ERROR_TYPE = 65535;
const HAS_ERROR_MARK = marksOf.HAS_ERROR_MARK;
const MISSING_MARK = marksOf.MISSING_MARK;

export const NAMED = NAMED_FLAG;
export const MISSING = MISSING_FLAG;
export const HAS_ERROR = HAS_ERROR_FLAG;
/** tree-sitter's symbol for ERROR nodes. */
export const ERROR_SYMBOL = ERROR_TYPE;

export interface Columns {
  size: number;
  kind: Uint16Array;
  field: Uint16Array;
  start: Uint32Array;
  end: Uint32Array;
  parent: Int32Array;
  firstChild: Int32Array;
  nextSibling: Int32Array;
  /** The last node number inside each node's subtree. */
  lastDescendant: Int32Array;
  flags: Uint8Array;
}

/**
 * What is known of each node type, by slot (slotOf: the type id, ERROR's 65535 in the
 * last slot, so that the arrays stay dense and their reads fast), shared by every table.
 */
const SLOT_TYPES = 1024;
const typeNames: string[] = new Array<string>(SLOT_TYPES).fill('');
const typeIsNamed = new Uint8Array(SLOT_TYPES);
const typeRegistered = new Uint8Array(SLOT_TYPES);
const ERROR_SLOT = SLOT_TYPES - 1;
/** What the copy knows of a type's nodes: a node that may have children, or a leaf, maybe one whose end the text tells. */
const BRANCH = 0;
const LEAF = 1;
const STRING_TOKEN = 2;
const IDENTIFIER = 3;
const KEYWORD = 4;
const typeShape = new Uint8Array(SLOT_TYPES);
/** Whether a node of the type begins with neither a blank nor a backslash: words, most string tokens, and non-leaves. */
const startsPastBlanks = new Uint8Array(SLOT_TYPES);
/** For KEYWORD types, the words they stand for. */
const keywordTexts: (ReadonlySet<string> | undefined)[] = new Array<ReadonlySet<string> | undefined>(SLOT_TYPES).fill(undefined);
/** Whether the end of a node of the type must be asked (it may end past its last child). */
const endAsked = new Uint8Array(SLOT_TYPES);
const fieldNames: string[] = [];
const fieldIds = new Map<string, number>();
const typeIdsByName = new Map<string, number[]>();

export function typeNameOf(typeId: number): string {
  return typeNames[slotOf(typeId)];
}
export function fieldNameOf(fieldId: number): string | undefined {
  return fieldNames[fieldId];
}
export function fieldIdNamed(name: string): number | undefined {
  return fieldIds.get(name);
}
/** Several symbols can share a name (aliases); a look-up by name covers all of them. */
export function typeIdsNamed(name: string): readonly number[] {
  return typeIdsByName.get(name) ?? [];
}

/**
 * What is known of a child's field by (parent type, child type), one slot per pair,
 * filled on first sight: UNSEEN, NO_FIELD_KNOWN, ASK_FIELD, or LEARN_FIELD + n (the
 * grammar names one field, whose id is learnt from the first such child) and
 * FIELD_BASE + id once it is.
 */
const UNSEEN = 0;
const NO_FIELD_KNOWN = 1;
const ASK_FIELD = 2;
const FIELD_BASE = 3;
const fieldRules = new Uint16Array(SLOT_TYPES * SLOT_TYPES);
/** The field name a LEARN slot waits for, by slot. */
const learning = new Map<number, string>();

/** Type ids as slots: ERROR (65535) goes to the last one. */
function slotOf(typeId: number): number {
  return typeId === ERROR_TYPE ? ERROR_SLOT : typeId;
}

/** How many type slots there are, and a type id's slot, for tables indexed by type. */
export const TYPE_SLOTS = SLOT_TYPES;
export const typeSlotOf = slotOf;

/** Copies the tree: columns with every node, flags included. */
export function copyTree(tree: Parser.Tree, text: string): Columns {
  const root = tree.rootNode;
  const errors = readErrorMarks(tree, root);
  return walk(tree, text, root.descendantCount, errors);
}

function allocate(capacity: number): Columns {
  const columns: Columns = {
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
  columns.firstChild.fill(-1);
  columns.nextSibling.fill(-1);
  return columns;
}

/**
 * Where the next node starts after `offset`: past blanks and line continuations (the
 * grammar's extras that are not nodes); -1 at a character outside ASCII, which might be
 * a blank to tree-sitter's `\s`.
 */
function afterBlanks(text: string, offset: number): number {
  let at = offset;
  for (;;) {
    const code = text.charCodeAt(at);
    if (code === 32 || (code >= 9 && code <= 13)) at++;
    else if (code === 92 && text.charCodeAt(at + 1) === 10) at += 2;
    else if (code === 92 && text.charCodeAt(at + 1) === 13 && text.charCodeAt(at + 2) === 10) at += 3;
    else return code < 128 ? at : -1;
  }
}

/** The end of a token that starts at `start`, read from the text; -1 when the text does not say. */
function tokenEnd(text: string, start: number, shape: number, slot: number): number {
  if (shape === STRING_TOKEN) {
    const name = typeNames[slot];
    return text.startsWith(name, start) ? start + name.length : -1;
  }
  // A word: identifiers, and keyword-like tokens (primitive_type) that the identifier's lexing finds.
  let at = start;
  for (;;) {
    const code = text.charCodeAt(at);
    if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36) at++;
    else if (code >= 128 || code === 92) return -1;
    else break;
  }
  if (at === start) return -1;
  if (shape === IDENTIFIER) {
    const first = text.charCodeAt(start);
    return first >= 48 && first <= 57 ? -1 : at;
  }
  return keywordTexts[slot]?.has(text.slice(start, at)) ? at : -1;
}

/** Beyond any offset: no MISSING node ahead (a small integer, as offsets are). */
const NO_MISSING = 0x3fffffff;

/** The walk's stacks of open ancestors, kept from file to file (typed, so that the hot loop's stores stay simple). */
let stacks = newStacks(4096);

function newStacks(size: number): {
  ancestors: Int32Array;
  ancestorSlots: Uint16Array;
  lastChild: Int32Array;
  endFromLastChild: Uint8Array;
  errorBelow: Uint8Array;
} {
  return {
    ancestors: new Int32Array(size),
    ancestorSlots: new Uint16Array(size),
    lastChild: new Int32Array(size),
    endFromLastChild: new Uint8Array(size),
    errorBelow: new Uint8Array(size),
  };
}

function deeperStacks(): typeof stacks {
  const deeper = newStacks(stacks.ancestors.length * 2);
  deeper.ancestors.set(stacks.ancestors);
  deeper.ancestorSlots.set(stacks.ancestorSlots);
  deeper.lastChild.set(stacks.lastChild);
  deeper.endFromLastChild.set(stacks.endFromLastChild);
  deeper.errorBelow.set(stacks.errorBelow);
  return (stacks = deeper);
}

/** Whether the grammar puts a child of type `typeId` last in a `parentType` node, by (parent, child) slot, learnt on first sight. */
const lastChildRules = new Uint8Array(SLOT_TYPES * SLOT_TYPES);
// 0 is "not seen yet", so that `lastChildRules[pair] || learnLastChild(...)` reads a rule and learns it on first sight.
const LAST_NO = 1;
const LAST_YES = 2;

/** Learns lastChildRules[pair] on first sight of a (parent, child) pair of slots. */
function learnLastChild(pair: number, parentSlot: number, childSlot: number): number {
  const last = alwaysLastChild(typeNames[parentSlot], typeIsNamed[parentSlot] === 1, typeNames[childSlot], typeIsNamed[childSlot] === 1);
  return (lastChildRules[pair] = last ? LAST_YES : LAST_NO);
}

/**
 * The walk. `count` is the number of visible nodes (the root's descendantCount), so the
 * columns are allocated once, at their size; `missingStarts` the offsets of MISSING
 * nodes, in document order.
 */
function walk(tree: Parser.Tree, text: string, count: number, errors: ErrorMarks): Columns {
  const columns = allocate(count);
  const { kind, field, start, end, parent: parentOf, firstChild, nextSibling, lastDescendant, flags } = columns;
  const cursor = tree.walk();
  // The open ancestors, the last child seen of each, and whether its end waits for that child.
  // and whether it has an error (only then do its children have error marks).
  let { ancestors, ancestorSlots, lastChild, endFromLastChild, errorBelow } = stacks;
  const { missingStarts, flags: marks } = errors;
  let markAt = 0;
  let depth = 0;
  let nextMissingAt = 0;
  let nextMissing = missingStarts.length ? missingStarts[0] : NO_MISSING;
  let size = 0;
  for (;;) {
    if (size === count) throw new Error('syntax table: the tree has more nodes than its descendantCount');
    const index = size++;
    const typeId = cursor.nodeTypeId;
    const slot = typeId === ERROR_TYPE ? ERROR_SLOT : typeId;
    if (!typeRegistered[slot]) registerType(typeId, cursor.nodeType, cursor.nodeIsNamed);
    kind[index] = typeId;
    const mark = depth === 0 || errorBelow[depth - 1] === 1 ? marks[markAt++] : 0;
    flags[index] = (typeIsNamed[slot] ? NAMED_FLAG : 0) | (mark & HAS_ERROR_MARK ? HAS_ERROR_FLAG : 0) | (mark & MISSING_MARK ? MISSING_FLAG : 0);
    lastDescendant[index] = index;

    const parent = depth ? ancestors[depth - 1] : -1;
    // The (parent, child) pair of type slots, by which the field and last-child rules are kept.
    // (Read here once rather than in helpers: until V8 optimises the walk, each call and slot
    // computation per node cost more than the native calls.)
    const parentSlot = depth ? ancestorSlots[depth - 1] : 0;
    const pair = parentSlot * SLOT_TYPES + slot;
    const previous = depth ? lastChild[depth - 1] : -1;
    // Where this node can start at the earliest: MISSING nodes from there on make the walk ask.
    const earliest = previous >= 0 ? end[previous] : parent >= 0 ? start[parent] : 0;
    while (nextMissing < earliest) nextMissing = ++nextMissingAt < missingStarts.length ? missingStarts[nextMissingAt] : NO_MISSING;

    let nodeStart: number;
    if (parent >= 0) {
      parentOf[index] = parent;
      if (previous < 0) firstChild[parent] = index;
      else nextSibling[previous] = index;
      lastChild[depth - 1] = index;
      const fieldRule = fieldRules[pair];
      field[index] = fieldRule >= FIELD_BASE ? fieldRule - FIELD_BASE : fieldRule === NO_FIELD_KNOWN ? 0 : fieldOf(cursor, pair, parentSlot, slot);
      if (previous < 0) {
        nodeStart = start[parent];
      } else {
        // Only blanks lie between siblings (comments and skipped text are nodes; the one hidden token is a
        // newline). A token that may itself begin with a blank ("\n", string_content) is asked after any.
        const at = slot === ERROR_SLOT ? -1 : afterBlanks(text, earliest);
        nodeStart = at >= 0 && nextMissing > at && (at === earliest || startsPastBlanks[slot] === 1) ? at : cursor.startIndex;
      }
    } else {
      parentOf[index] = -1;
      nodeStart = cursor.startIndex;
    }
    start[index] = nodeStart;

    const shape = typeShape[slot];
    if (shape === BRANCH) {
      // The root spans the blanks after its last child (the end of input is a hidden child).
      const askEnd = endAsked[slot] === 1 || parent < 0;
      const nodeEnd = askEnd ? cursor.endIndex : -1;
      if (cursor.gotoFirstChild()) {
        if (depth === ancestors.length) ({ ancestors, ancestorSlots, lastChild, endFromLastChild, errorBelow } = deeperStacks());
        ancestors[depth] = index;
        ancestorSlots[depth] = slot;
        lastChild[depth] = -1;
        endFromLastChild[depth] = askEnd ? 0 : 1;
        errorBelow[depth] = mark & HAS_ERROR_MARK ? 1 : 0;
        depth++;
        end[index] = nodeEnd;
        continue;
      }
      end[index] = askEnd ? nodeEnd : cursor.endIndex;
    } else {
      const known = shape === LEAF ? -1 : tokenEnd(text, nodeStart, shape, slot);
      end[index] = known >= 0 && nextMissing > known ? known : cursor.endIndex;
    }

    // No sibling can follow a child that the grammar puts last (in a parent without errors).
    if (!(depth > 0 && errorBelow[depth - 1] === 0 && (lastChildRules[pair] || learnLastChild(pair, parentSlot, slot)) === LAST_YES) && cursor.gotoNextSibling()) continue;
    // The last child of one or more parents: close them on the way up to the next sibling.
    // (One gotoDescendant + currentDepth instead costs fewer calls but no less time: tree-sitter
    // finds the node by counting through the children of the ancestor it climbs to.)
    while (depth > 0) {
      depth--;
      const closed = ancestors[depth];
      if (endFromLastChild[depth] === 1) end[closed] = end[lastChild[depth]];
      lastDescendant[closed] = size - 1;
      if (depth === 0 || !cursor.gotoParent()) continue;
      const closedPair = ancestorSlots[depth - 1] * SLOT_TYPES + ancestorSlots[depth];
      const closedIsLast = errorBelow[depth - 1] === 0 && (lastChildRules[closedPair] || learnLastChild(closedPair, ancestorSlots[depth - 1], ancestorSlots[depth])) === LAST_YES;
      if (!closedIsLast && cursor.gotoNextSibling()) break;
    }
    if (depth === 0) {
      if (size !== count) throw new Error('syntax table: the tree has fewer nodes than its descendantCount');
      columns.size = size;
      return columns;
    }
  }
}

/** The field id of the cursor's node, of type slot `childSlot` in a parent of `parentSlot`; `pair` their fieldRules index. */
function fieldOf(cursor: Parser.TreeCursor, pair: number, parentSlot: number, childSlot: number): number {
  const slot = pair;
  let rule = fieldRules[slot];
  if (rule === UNSEEN) rule = fieldRules[slot] = firstRule(slot, parentSlot, childSlot);
  if (rule === NO_FIELD_KNOWN) return 0;
  if (rule >= FIELD_BASE) return rule - FIELD_BASE;
  const fieldId = cursor.currentFieldId ?? 0;
  if (fieldId && fieldNames[fieldId] === undefined) registerField(fieldId, cursor.currentFieldName);
  const awaited = learning.size ? learning.get(slot) : undefined;
  if (awaited !== undefined && fieldNames[fieldId] === awaited) {
    // The grammar's one field for this pair, now with its id: later children are not asked.
    fieldRules[slot] = FIELD_BASE + fieldId;
    learning.delete(slot);
  }
  return fieldId;
}

function firstRule(slot: number, parentSlot: number, childSlot: number): number {
  const known = fieldOfChild(typeNames[parentSlot], typeIsNamed[parentSlot] === 1, typeNames[childSlot], typeIsNamed[childSlot] === 1);
  if (known === null) return NO_FIELD_KNOWN;
  if (known === undefined) return ASK_FIELD;
  const fieldId = fieldIds.get(known);
  if (fieldId !== undefined) return FIELD_BASE + fieldId;
  learning.set(slot, known);
  return ASK_FIELD;
}

function registerType(typeId: number, name: string, named: boolean): void {
  if (typeId >= ERROR_SLOT && typeId !== ERROR_TYPE) {
    throw new Error(`syntax table: type id ${typeId} is beyond the ${ERROR_SLOT} the copy has room for`);
  }
  const slot = slotOf(typeId);
  typeRegistered[slot] = 1;
  typeNames[slot] = name;
  typeIsNamed[slot] = named ? 1 : 0;
  typeShape[slot] = shapeOf(typeId, name, named);
  if (typeShape[slot] === KEYWORD) keywordTexts[slot] = tokenTexts().keywords.get(name);
  startsPastBlanks[slot] = beginsPastBlanks(typeId, typeShape[slot], name) ? 1 : 0;
  const endsPast = typesEndingPastLastChild();
  endAsked[slot] = typeId === ERROR_TYPE || endsPast === null || endsPast.has(name) ? 1 : 0;
  const ids = typeIdsByName.get(name);
  if (ids) ids.push(typeId);
  else typeIdsByName.set(name, [typeId]);
}

function shapeOf(typeId: number, name: string, named: boolean): number {
  const texts = tokenTexts();
  if (!named && texts.strings.has(name)) return STRING_TOKEN;
  if (named && texts.identifiers.has(name)) return IDENTIFIER;
  if (named && texts.keywords.has(name)) return KEYWORD;
  if (typeId === ERROR_TYPE) return BRANCH;
  return typeId < TOKEN_SYMBOLS || texts.aliasedTokens.has(name) ? LEAF : BRANCH;
}

/**
 * A non-leaf begins with its first token, and no rule of the grammar begins with one of the
 * immediate tokens (string_content, character) that may begin with a blank: those follow a quote.
 */
function beginsPastBlanks(typeId: number, shape: number, name: string): boolean {
  if (typeId === ERROR_TYPE) return false;
  if (shape === STRING_TOKEN) return !/^[\s\\]/.test(name);
  return shape === IDENTIFIER || shape === KEYWORD || shape === BRANCH;
}

function registerField(fieldId: number, name: string): void {
  fieldNames[fieldId] = name;
  fieldIds.set(name, fieldId);
}


/**
 * C that takes every path of the walk: MISSING and ERROR nodes, line continuations (LF and
 * CRLF) and a non-ASCII character between tokens, fields of each kind, a directive. Copying it once
 * before the real files gives the walk's rare branches type feedback, so that the optimised
 * walk is not thrown away at the first ERROR or MISSING node of a file (it was, up to three
 * times a run, each recompilation about 20 ms of a compiler thread).
 */
export const WARM_UP_COPIES = 12;
export const WARM_UP_SOURCE = [
  '#define A(x) ((x) + 1) \\',
  '\t/* c */',
  '#include <linux/a.h>',
  'struct s { int a : 3; unsigned long b[2]; } __x;',
  'static int f(struct s *p, ...)',
  '{',
  '\tint x = p->a, y = -1;',
  '\tif (x == y && !p) return A(x) ? 1 : 2; else x += sizeof(int);',
  "\tfor (;;) { x++; break; } char c = ' ';",
  '\tswitch (x) { case 1: goto out; default: ; }',
  'out:',
  '\treturn \\',
  '\t\tx \\\r\n;',
  '\tchar *s = " a\\n" "b";',
  '\tint\u00a0w;',
  '\tint z = ( ;',
  '\tint q = 1 +',
  '}',
  'int g(void) { return 1 }',
  '',
].join('\n');
