// What the syntax table's copy infers instead of asking tree-sitter (grammar-shape.ts)
// and the error marks it reads through the binding's per-node methods (error-marks.ts).
// syntax-table.test.ts compares the resulting tables with tree-sitter's trees.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readErrorMarksDirect, readErrorMarksPublic } from '../src/frontend/error-marks';
import { alwaysLastChild, ASK, fieldOfChild, NO_FIELD, tokenTexts, typesEndingPastLastChild } from '../src/frontend/grammar-shape';
import { parseNative } from '../src/frontend/parse';

const ROOT = path.join(__dirname, '..', '..');
const GRAMMAR = path.join(path.dirname(require.resolve('tree-sitter-c')), '../../src/grammar.json');

interface Rule {
  type: string;
  name?: string;
  value?: string;
  named?: boolean;
  content?: Rule;
  members?: Rule[];
}

describe('grammar shape', () => {
  it('knows a field from the child type only where node-types.json allows one field', () => {
    assert.equal(fieldOfChild('binary_expression', true, '+', false), 'operator');
    assert.equal(fieldOfChild('call_expression', true, 'argument_list', true), 'arguments');
    assert.equal(fieldOfChild('binary_expression', true, 'identifier', true), ASK, 'left or right');
    assert.equal(fieldOfChild('declaration', true, ';', false), NO_FIELD);
    assert.equal(fieldOfChild('declaration', true, 'storage_class_specifier', true), NO_FIELD);
    assert.equal(fieldOfChild('ERROR', true, 'identifier', true), ASK, 'an ERROR has no production');
    assert.equal(fieldOfChild('binary_expression', true, 'ERROR', true), ASK);
  });

  it('reads the token texts and the rules ending with a hidden token from grammar.json', () => {
    const texts = tokenTexts();
    assert.ok(texts.strings.has('->') && texts.strings.has('sizeof'));
    assert.ok(!texts.strings.has('#ifdef'), 'an alias of #[ \\t]*ifdef, blanks allowed');
    assert.ok(!texts.strings.has('\n'), 'the newline token can take in blank lines');
    assert.deepEqual([...texts.identifiers].sort(), ['field_identifier', 'identifier', 'statement_identifier', 'type_identifier']);
    assert.ok(texts.keywords.get('primitive_type')?.has('int'));
    assert.ok(texts.aliasedTokens.has('field_identifier') && texts.aliasedTokens.has('#ifdef'));
    assert.deepEqual([...(typesEndingPastLastChild() ?? [])].sort(), ['preproc_call', 'preproc_def', 'preproc_function_def', 'preproc_include']);
  });

  it('knows which children the grammar always puts last', () => {
    assert.equal(alwaysLastChild('argument_list', true, ')', false), true);
    assert.equal(alwaysLastChild('expression_statement', true, ';', false), true);
    assert.equal(alwaysLastChild('call_expression', true, 'argument_list', true), true);
    assert.equal(alwaysLastChild('argument_list', true, '(', false), false);
    assert.equal(alwaysLastChild('string_literal', true, '"', false), false, 'the opening quote is followed');
    assert.equal(alwaysLastChild('binary_expression', true, 'identifier', true), false, 'left or right');
    assert.equal(alwaysLastChild('preproc_function_def', true, 'preproc_arg', true), false, 'a comment may come before the hidden newline');
    assert.equal(alwaysLastChild('ERROR', true, ')', false), false);
  });

  it('relies on no visible rule using one string token both in a field and outside any', () => {
    // node-types.json lists no anonymous unfielded children, so a string token named in one field
    // is taken to be in that field: true only if no rule also uses it bare (hidden rules inlined).
    const grammar = JSON.parse(fs.readFileSync(GRAMMAR, 'utf8')) as { rules: Record<string, Rule>; inline?: string[] };
    const inline = new Set(grammar.inline ?? []);
    const hidden = (name: string): boolean => name.startsWith('_') || inline.has(name);
    const uses = (rule: Rule, field: string, into: Map<string, Set<string>>, seen: Set<string>): void => {
      if (rule.type === 'STRING') into.set(rule.value!, (into.get(rule.value!) ?? new Set()).add(field));
      else if (rule.type === 'FIELD') uses(rule.content!, rule.name!, into, seen);
      else if (rule.type === 'SYMBOL') {
        const target = grammar.rules[rule.name!];
        if (hidden(rule.name!) && !seen.has(rule.name!) && !['PATTERN', 'TOKEN', 'IMMEDIATE_TOKEN'].includes(target.type)) {
          uses(target, field, into, new Set([...seen, rule.name!]));
        }
      } else if (rule.type !== 'TOKEN' && rule.type !== 'IMMEDIATE_TOKEN' && rule.type !== 'ALIAS') {
        if (rule.content) uses(rule.content, field, into, seen);
        for (const member of rule.members ?? []) uses(member, field, into, seen);
      }
    };
    const both: string[] = [];
    for (const [name, rule] of Object.entries(grammar.rules)) {
      if (hidden(name)) continue;
      const fields = new Map<string, Set<string>>();
      uses(rule, '', fields, new Set());
      for (const [token, where] of fields) if (where.size > 1) both.push(`${name}: ${token}`);
    }
    assert.deepEqual(both, []);
  });
});

describe('error marks', () => {
  const texts = [
    'int x = 1\nint y\nvoid f(void) { g(1; h(2) }\n',
    '#define KMSAN_WARN_ON(cond) \\\n  ({ if (cond) x(); })\nint z = ( ;\n',
    'int ok(void) { return 0; }\n',
    ...fs.readdirSync(path.join(ROOT, 'fixtures', 'seqcount-truncation')).filter((name) => name.endsWith('.c')).map((name) => fs.readFileSync(path.join(ROOT, 'fixtures', 'seqcount-truncation', name), 'utf8')),
  ];

  it("are read through the binding's node methods, as the public node API reads them", () => {
    for (const text of texts) {
      const tree = parseNative(text);
      const direct = readErrorMarksDirect(tree, tree.rootNode);
      assert.ok(direct, 'tree-sitter 0.25 exposes NodeMethods and its transfer array');
      assert.deepEqual(direct, readErrorMarksPublic(tree.rootNode));
    }
    const broken = parseNative(texts[0]);
    assert.ok(readErrorMarksDirect(broken, broken.rootNode)!.missingStarts.length > 0);
  });

  it('stay right when the public API has already made node objects for the tree', () => {
    const tree = parseNative(texts[0]);
    const seen = tree.rootNode.children.map((child) => child.children);
    assert.ok(seen.length > 0);
    assert.deepEqual(readErrorMarksDirect(tree, tree.rootNode), readErrorMarksPublic(tree.rootNode));
  });
});
