// The flat syntax table answers as tree-sitter's own tree does: every node of
// every fixture and example is compared with the binding's, accessor by accessor.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type Parser = require('tree-sitter');
import { loadHints } from '../src/frontend/hints';
import { normalise } from '../src/frontend/normalise';
import { parseC, parseNative, SyntaxNode } from '../src/frontend/parse';
import { WARM_UP_SOURCE } from '../src/frontend/tree-copy';
import { sourceFilesUnder } from './support/source-files';

const ROOT = path.join(__dirname, '..', '..');
const FIELDS = ['declarator', 'type', 'body', 'value', 'left', 'right', 'function', 'arguments', 'condition', 'consequence', 'alternative', 'argument', 'field', 'operator', 'name', 'initializer', 'update', 'label', 'parameters'];


function describeNode(node: Parser.SyntaxNode | SyntaxNode | null): string {
  if (!node) return 'null';
  const { row, column } = node.startPosition;
  const end = node.endPosition;
  return `${node.type}@${node.startIndex}-${node.endIndex}(${row}:${column}-${end.row}:${end.column})${node.isNamed ? 'N' : ''}${node.isMissing ? 'M' : ''}${node.hasError ? 'E' : ''}`;
}

/** Walks both trees in step and returns the first difference, or null. */
function firstDifference(native: Parser.SyntaxNode, flat: SyntaxNode): string | null {
  if (describeNode(native) !== describeNode(flat)) return `${describeNode(native)} != ${describeNode(flat)}`;
  if (native.text !== flat.text) return `text of ${describeNode(native)}`;
  if (describeNode(native.parent) !== describeNode(flat.parent)) return `parent of ${describeNode(native)}`;
  // The binding skips a zero-width MISSING node as a sibling (ts_node_next_sibling); the table does not.
  const flatNext = flat.nextNamedSibling;
  const nativeNext = native.nextNamedSibling ?? (flatNext?.isMissing ? flatNext : null);
  if (describeNode(nativeNext) !== describeNode(flatNext)) return `next named sibling of ${describeNode(native)}`;
  if (native.namedChildCount !== flat.namedChildCount) return `named children of ${describeNode(native)}`;
  for (const field of FIELDS) {
    if (describeNode(native.childForFieldName(field)) !== describeNode(flat.childForFieldName(field))) return `field ${field} of ${describeNode(native)}`;
    if (native.childrenForFieldName(field).length !== flat.childrenForFieldName(field).length) return `fields ${field} of ${describeNode(native)}`;
  }
  for (let i = 0; i < native.namedChildCount; i++) {
    if ((native.fieldNameForNamedChild(i) ?? null) !== flat.fieldNameForNamedChild(i)) return `field name of named child ${i} of ${describeNode(native)}`;
  }
  if (native.childCount !== flat.childCount) return `children of ${describeNode(native)}`;
  for (let i = 0; i < native.childCount; i++) {
    const difference = firstDifference(native.child(i)!, flat.child(i)!);
    if (difference) return difference;
  }
  return null;
}

describe('syntax table', () => {
  const hints = loadHints();
  for (const file of sourceFilesUnder([path.join(ROOT, 'fixtures'), path.join(ROOT, 'examples')])) {
    it(`matches tree-sitter's tree on ${path.relative(ROOT, file)}`, () => {
      const text = normalise(fs.readFileSync(file, 'utf8'), hints).text;
      const native = parseNative(text).rootNode;
      const flat = parseC(text).rootNode;
      assert.equal(firstDifference(native, flat), null);
      for (const types of ['identifier', ['call_expression', 'field_expression'], 'function_definition']) {
        assert.deepEqual(flat.descendantsOfType(types).map(describeNode), native.descendantsOfType(types).map(describeNode));
      }
      for (let offset = 0; offset <= text.length; offset += 7) {
        assert.equal(describeNode(flat.descendantForIndex(offset, offset)), describeNode(native.descendantForIndex(offset, offset)), `at ${offset}`);
        const end = Math.min(text.length, offset + 5);
        assert.equal(describeNode(flat.descendantForIndex(offset, end)), describeNode(native.descendantForIndex(offset, end)), `at ${offset}-${end}`);
      }
    });
  }

  it('reports errors, missing nodes, non-ASCII columns and sub-tree descendants as the binding does', () => {
    const text = 'int f(int a) { return g(a) + 1; }\nint x = ;\nstatic const char *s = "é€"; int y = (\n';
    const native = parseNative(text).rootNode;
    const flat = parseC(text).rootNode;
    assert.equal(firstDifference(native, flat), null);
    assert.equal(flat.hasError, true);
    assert.equal(flat.toString(), native.toString());
    const fn = flat.namedChild(0)!;
    assert.deepEqual(fn.descendantsOfType('identifier').map((n) => n.text), ['f', 'a', 'g', 'a']);
    assert.equal(fn.descendantsOfType('function_definition')[0], fn, 'a node is among its own descendants, as in the binding');
    assert.ok(fn.contains(fn.descendantsOfType('number_literal')[0]));
    assert.ok(!fn.contains(flat.namedChild(1)!));
  });

  // Texts that defeat the copy's shortcuts (tree-copy.ts): each must still copy exactly.
  const awkward: Record<string, string> = {
    'line continuations, LF and CRLF, between tokens': 'int \\\n x = 1 \\\r\n + 2;\r\nint y \\\n;\n',
    'a non-ASCII blank between tokens': 'int\u00a0x;\nint\u2003y = 1;\n',
    'string and character contents that begin with blanks': 'char *s = "  a\\\n b" "\\x41 " L" c";\nchar c = \' \', d = \'\\\n\';\n',
    'directives whose newline token takes in blank lines': '#if defined(A)\n\n\n/* c */\n#define B 1   \n\n#else\n#endif\n',
    'MISSING tokens at the end of constructs': 'int x = 1\nint y\nvoid f(void) { g(1; h(2) }\n',
    'an ERROR in the middle of an expression': 'int x = 1 + @ 2;\nint z = ( ;\n',
    'a text with nothing but blanks': '   \n\t\n',
    'an empty text': '',
    'keyword-like words and identifiers with dollars': 'unsigned long int8x; int$ a$b; size_t n; bool t = true, f = FALSE;\n',
    'comments after the last child the grammar allows': '#define F(x) (x) /* c */\nint f(void) { return g(1 /* c */) /* d */; /* e */ }\n',
    'the warm-up text': WARM_UP_SOURCE,
  };
  for (const [what, text] of Object.entries(awkward)) {
    it(`copies ${what} as tree-sitter parses it`, () => {
      assert.equal(firstDifference(parseNative(text).rootNode, parseC(text).rootNode), null);
    });
  }

  it('copies a tree deeper than its first stacks', () => {
    // Over 4,096 levels: compared node by node with a cursor walk, as recursion would overflow.
    const text = `int f(int x) { ${'if (x) x++; else '.repeat(2100)}x--; }\n`;
    const flat = parseC(text);
    const cursor = parseNative(text).walk();
    const parents: number[] = [];
    let index = 0;
    let deepest = 0;
    for (;;) {
      const expected = [cursor.nodeType, cursor.startIndex, cursor.endIndex, cursor.currentFieldName ?? null, parents[parents.length - 1] ?? -1];
      const actual = [flat.typeOf(index), flat.startOf(index), flat.endOf(index), flat.node(index).fieldName, flat.parentIndex(index)];
      assert.deepEqual(actual, expected, `node ${index}`);
      deepest = Math.max(deepest, parents.length);
      if (cursor.gotoFirstChild()) {
        parents.push(index++);
        continue;
      }
      index++;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) break;
        const closed = parents.pop()!;
        assert.equal(flat.lastDescendantIndex(closed), index - 1, `last descendant of ${closed}`);
      }
      if (parents.length === 0 && index > 1) break;
    }
    assert.equal(index, flat.size);
    assert.ok(deepest > 4096, `${deepest} levels`);
  });

  it('gives nodes identities that stay the same within a tree and differ across trees', () => {
    const first = parseC('int a;');
    const second = parseC('int a;');
    assert.equal(first.rootNode.namedChild(0), first.rootNode.namedChild(0));
    assert.notEqual(first.rootNode.namedChild(0)!.id, second.rootNode.namedChild(0)!.id);
  });

  it('serves the uses of a name from one look-up', () => {
    const table = parseC('void f(struct s *p) { p->seq = p->seq + seq; g(p->other); }');
    assert.deepEqual(table.uses('field_identifier', 'seq').map((n) => n.startIndex), [25, 34]);
    assert.deepEqual(table.uses('identifier', 'seq').map((n) => n.parent!.type), ['binary_expression']);
    assert.deepEqual(table.uses('identifier', 'nothing'), []);
  });
});
