import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { tokenize } from '../src/frontend/lexer';
import { blankDirectives, blankFunctionBodies } from '../src/types/skeleton';

const SOURCE = [
  '#include <linux/types.h>',
  '#define WIDTH(x) \\',
  '\t((x) << 2)',
  '#ifdef CONFIG_FOO',
  'static int foo_ready;',
  '#endif',
  'static const char *const names[] = {',
  '\t"first", "second",',
  '\t[7] = "eighth",',
  '};',
  'static int probe(struct device *dev)',
  '{',
  '\treturn names[0] ? 0 : -ENODEV;',
  '}',
  'struct foo { int a; long b; };',
  'int total = 1 + 2;',
  '',
].join('\n');

function newlinesOf(text: string): number[] {
  return [...text].flatMap((c, i) => (c === '\n' ? [i] : []));
}

test('blanking keeps every offset and newline of the file', () => {
  const blanked = blankFunctionBodies(blankDirectives(SOURCE).text);
  assert.equal(blanked.length, SOURCE.length);
  assert.deepEqual(newlinesOf(blanked), newlinesOf(SOURCE));
});

test('#include and #define lines are blanked, #ifdef groups stay for the normaliser', () => {
  const { text } = blankDirectives(SOURCE);
  assert.doesNotMatch(text, /#include|#define|<< 2/);
  assert.match(text, /#ifdef CONFIG_FOO/);
});

test('the tokens blankDirectives returns are those of its text, tokenized again', () => {
  const { text, tokens } = blankDirectives(SOURCE);
  const again = tokenize(text);
  assert.equal(tokens.count, again.count);
  for (let t = 0; t < again.count; t++) {
    assert.deepEqual([tokens.kind[t], tokens.start[t], tokens.end[t]], [again.kind[t], again.start[t], again.end[t]], `token ${t}`);
  }
});

test('function bodies and top-level brace initializers are blanked; declarations and scalar initializers stay', () => {
  const text = blankFunctionBodies(SOURCE);
  assert.doesNotMatch(text, /"first"|eighth|-ENODEV/);
  assert.match(text, /static const char \*const names\[\] = \{\s+\};/);
  assert.match(text, /static int probe\(struct device \*dev\)\n\{\s+\}/);
  assert.match(text, /struct foo \{ int a; long b; \};/);
  assert.match(text, /int total = 1 \+ 2;/);
});
