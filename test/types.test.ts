import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { AbiName, ABIS, builtinFromWords, CType, typeToString, usualArithmetic } from '../src/types/ctype';
import { extractFacts } from '../src/types/extract';
import { TypeIndex } from '../src/types/type-index';
import { Typer } from '../src/types/typer';
import { describeTyped } from '../src/types/describe';
import { expressionOnLine } from '../src/types/expression-at';
import { literalType } from '../src/types/literals';
import { parseFixture } from './support/fixtures';
import { indexTreeInMemory, parseTreeFile, sourceFiles, TYPE_TREE, typeMarkersIn } from './support/type-fixtures';

const source = indexTreeInMemory(TYPE_TREE);
const indexes: Record<AbiName, TypeIndex> = {
  lp64: new TypeIndex(source, { abi: 'lp64', arch: 'x86' }),
  ilp32: new TypeIndex(source, { abi: 'ilp32', arch: 'x86' }),
};

for (const rel of sourceFiles(TYPE_TREE).filter((f) => f.endsWith('.c'))) {
  const parsed = parseTreeFile(TYPE_TREE, rel);
  const facts = extractFacts(parsed);
  const typers = {
    lp64: new Typer(parsed, indexes.lp64.scopeFor(rel, facts)),
    ilp32: new Typer(parsed, indexes.ilp32.scopeFor(rel, facts)),
  };
  for (const marker of typeMarkersIn(parsed)) {
    test(`${rel}:${marker.line} [${marker.abi}] ${marker.expression} is ${marker.type}`, () => {
      const node = expressionOnLine(parsed, marker.line, marker.expression);
      assert.ok(node, `no expression '${marker.expression}' on line ${marker.line}`);
      const described = describeTyped(typers[marker.abi], typers[marker.abi].typeOf(node));
      const shown = described.unknownBecause ? '<unknown>' : described.resolved;
      assert.equal(shown, marker.type, described.unknownBecause ?? `declared as ${described.declared}`);
      if (marker.from) assert.equal(`${described.origin?.file}:${described.origin?.line}`, marker.from);
      if (marker.typedef) assert.equal(`${described.via[0]?.file}:${described.via[0]?.line}`, marker.typedef);
    });
  }
}

test('an unknown type says why: conflicting widths name both declarations', () => {
  const rel = 'arch/x86/kvm/mmu/mmu.c';
  const parsed = parseTreeFile(TYPE_TREE, rel);
  const typer = new Typer(parsed, indexes.lp64.scopeFor(rel, extractFacts(parsed)));
  const line = parsed.text.split('\n').findIndex((l) => l.includes('cookie_t cookie;')) + 1;
  const why = describeTyped(typer, typer.typeOf(expressionOnLine(parsed, line, 'cookie')!)).unknownBecause ?? '';
  assert.match(why, /conflicting definitions of 'cookie_t'/);
  assert.match(why, /include\/linux\/cookie\.h:6 \(u64\)/);
  assert.match(why, /include\/linux\/cookie\.h:8 \(u32\)/);
});

test('without a tree, built-in kernel types still resolve', () => {
  const parsed = parseFixture('alone.c', [
    'void f(u64 a, s32 b, gfn_t g, kvm_pfn_t p, size_t n, loff_t o, atomic_long_t *c, hva_t h)',
    '{',
    '\ta + b; g; p; n; o; c->counter; h; jiffies; -1;',
    '}',
  ].join('\n'));
  for (const abi of ['lp64', 'ilp32'] as const) {
    const typer = new Typer(parsed, new TypeIndex(null, { abi, arch: 'x86' }).scopeFor('alone.c', extractFacts(parsed)));
    const typeAt = (text: string) => {
      const d = describeTyped(typer, typer.typeOf(expressionOnLine(parsed, 3, text)!));
      return `${d.resolved}/${d.integer?.bits}`;
    };
    const long = ABIS[abi].longBits;
    assert.equal(typeAt('a + b'), 'unsigned long long/64');
    assert.equal(typeAt('g'), 'unsigned long long/64');
    assert.equal(typeAt('p'), 'unsigned long long/64');
    assert.equal(typeAt('n'), `unsigned long/${long}`);
    assert.equal(typeAt('o'), 'long long/64');
    assert.equal(typeAt('c->counter'), `long/${long}`);
    assert.equal(typeAt('h'), `unsigned long/${long}`);
    assert.equal(typeAt('jiffies'), `unsigned long/${long}`);
    assert.equal(typeAt('-1'), 'int/32');
  }
});

test('the usual arithmetic conversions follow C11 6.3.1.8 for both ABIs', () => {
  assert.equal(usualArithmetic('long', 'unsigned int', ABIS.lp64), 'long');
  assert.equal(usualArithmetic('long', 'unsigned int', ABIS.ilp32), 'unsigned long');
  assert.equal(usualArithmetic('long long', 'unsigned long', ABIS.lp64), 'unsigned long long');
  assert.equal(usualArithmetic('long long', 'unsigned long', ABIS.ilp32), 'long long');
  assert.equal(usualArithmetic('unsigned char', 'short', ABIS.lp64), 'int');
  assert.equal(usualArithmetic('int', 'unsigned int', ABIS.lp64), 'unsigned int');
});

test('integer literals take the first type of their suffix list that holds them', () => {
  const at = (text: string, abi: AbiName = 'lp64') => typeToString(literalType(text, ABIS[abi]));
  assert.equal(at('0'), 'int');
  assert.equal(at('4294967295'), 'long');
  assert.equal(at('4294967295', 'ilp32'), 'long long');
  assert.equal(at('0xffffffff'), 'unsigned int');
  assert.equal(at('0x100000000'), 'long');
  assert.equal(at('1u'), 'unsigned int');
  assert.equal(at('1Ul'), 'unsigned long');
  assert.equal(at('1LLU'), 'unsigned long long');
  assert.equal(at('010'), 'int');
  assert.equal(at('0b101'), 'int');
  assert.equal(at('1.5f'), 'float');
  assert.match(at('0x1ffffffffffffffff'), /unknown/);
});

test('declaration specifiers in any order name the same built-in type', () => {
  const show = (words: string) => typeToString(builtinFromWords(words.split(' ')) as CType);
  assert.equal(show('long unsigned int'), 'unsigned long');
  assert.equal(show('unsigned'), 'unsigned int');
  assert.equal(show('signed char'), 'signed char');
  assert.equal(show('long long int'), 'long long');
  assert.equal(show('short unsigned'), 'unsigned short');
  assert.equal(builtinFromWords(['u64']), null);
});

test('C declarators print back as C', () => {
  const parsed = parseFixture('decls.c', 'int *a[3]; int (*b)[3]; int (*c)(int, char *); unsigned long d[2][4];\n');
  const types = extractFacts(parsed).decls.map((d) => (d.kind === 'variable' ? `${d.name}: ${typeToString(d.type)}` : ''));
  assert.deepEqual(types, ['a: int *[3]', 'b: int (*)[3]', 'c: int (*)(int, char *)', 'd: unsigned long[2][4]']);
});
