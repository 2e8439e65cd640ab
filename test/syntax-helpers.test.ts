// The shared syntax helpers that replaced private copies in the rules
// (declaredName in refcount-guards.ts, two hand-written `&x` tests): what
// they answer on each declarator and argument shape.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { addressOperand, addressTaken, callArguments, declaredIdentifier, declaredName, functionDefinitions } from '../src/frontend/syntax';
import type { SyntaxNode } from '../src/frontend/parse';
import { parseFixture } from './support/fixtures';

function declarators(code: string): SyntaxNode[] {
  const root = parseFixture('h.c', code).tree.rootNode;
  return root.descendantsOfType('init_declarator').map((d) => d.childForFieldName('declarator')!);
}

describe('declaredIdentifier / declaredName', () => {
  it('finds the name under pointers, arrays and parentheses', () => {
    const found = declarators('void f(void)\n{\n\tint a = 1;\n\tint *b = 0;\n\tint c[4] = { 0 };\n\tint (*d) = 0;\n\tstruct page **e = 0;\n\tint (*g)(int) = 0;\n}\n');
    assert.deepEqual(found.map((d) => declaredName(d)), ['a', 'b', 'c', 'd', 'e', 'g']);
    assert.deepEqual(found.map((d) => declaredIdentifier(d)?.type), ['identifier', 'identifier', 'identifier', 'identifier', 'identifier', 'identifier']);
    assert.equal(declaredIdentifier(null), null);
  });
});

describe('addressOperand / addressTaken', () => {
  it('addressOperand reads `&x` itself; addressTaken also looks through casts and parentheses', () => {
    const root = parseFixture('h.c', 'void f(void)\n{\n\tuse(&pfn, (void *)&pfn, (&pfn), pfn, *ptr);\n}\n').tree.rootNode;
    const call = functionDefinitions(root)[0].descendantsOfType('call_expression')[0];
    const args = callArguments(call);
    assert.deepEqual(args.map((a) => addressOperand(a)?.text ?? null), ['pfn', null, null, null, null]);
    assert.deepEqual(args.map((a) => addressTaken(a)?.text ?? null), ['pfn', 'pfn', 'pfn', null, null]);
  });
});
