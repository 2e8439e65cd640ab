// What the typer and conversionsIn keep or skip to save work must not change
// an answer: a macro body parsed once per thread is still typed from each
// file's scope, and asking conversionsIn for some conversions gives exactly
// those of all conversions.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { conversionsIn, ConversionFilter, isConstantThatFits, isEvidentlyConstantThatFits } from '../src/analysis/conversions';
import { functionDefinitions } from '../src/frontend/syntax';
import { stagedFacts } from '../src/types/extract';
import { parsedConstantBody, parsedMacroBody } from '../src/types/macro-bodies';
import { TypeIndex } from '../src/types/type-index';
import { Typer } from '../src/types/typer';
import { expressionOnLine } from '../src/types/expression-at';
import { parseFixture, REPO } from './support/fixtures';
import { sourceFilesUnder } from './support/source-files';

const index = new TypeIndex(null, { abi: 'lp64', arch: 'x86' });

function typerOf(file: string, text: string): { typer: Typer; parsed: ReturnType<typeof parseFixture> } {
  const parsed = parseFixture(file, text);
  return { typer: new Typer(parsed, index.scopeFor(file, stagedFacts(parsed))), parsed };
}

describe('typer reuse', () => {
  it('a macro body is parsed once per thread and typed from each file\'s own scope', () => {
    assert.equal(parsedMacroBody('(level + 1)'), parsedMacroBody('(level + 1)'));
    assert.equal(parsedConstantBody('(1 << 4)'), parsedConstantBody('(1 << 4)'));
    assert.notEqual(parsedMacroBody('(1 << 4)').text, parsedConstantBody('(1 << 4)').text, 'each context has its own wrapper');
    assert.equal(parsedMacroBody('x +').expression, null, 'not a plain expression');

    const wide = typerOf('a.c', 'unsigned long level;\n#define NEXT (level + 1)\nint f(void) { return NEXT; }\n');
    const narrow = typerOf('b.c', 'short level;\n#define NEXT (level + 1)\nint f(void) { return NEXT; }\n');
    const typeOfNext = ({ typer, parsed }: ReturnType<typeof typerOf>) => typer.integerOf(expressionOnLine(parsed, 3, 'NEXT')!)?.name;
    assert.equal(typeOfNext(wide), 'unsigned long');
    assert.equal(typeOfNext(narrow), 'int');
    assert.equal(typeOfNext(wide), 'unsigned long', 'and again, from the first file');
  });

  it('a macro whose body is one integer literal is typed as its parsed body is', () => {
    const literals = ['0', '07', '4096', '0x1fUL', '0XFFFFFFFF', '10u', '1ULL', '077LL', '5llu', '2147483648', '4294967296', '18446744073709551615ULL', '9223372036854775808'];
    for (const literal of literals) {
      // In parentheses the body is no longer one literal: it is parsed and typed as an expression.
      const text = `#define PLAIN ${literal}\n#define WRAPPED (${literal})\nunsigned long f(void) { return PLAIN + WRAPPED; }\n`;
      const { typer, parsed } = typerOf('plain.c', text);
      const use = (name: string) => parsed.tree.rootNode.descendantsOfType('identifier').find((n) => n.text === name)!;
      assert.deepEqual(typer.typeOf(use('PLAIN')).type, typer.typeOf(use('WRAPPED')).type, literal);
      assert.equal(typer.typeOf(use('PLAIN')).origin?.kind, 'macro');
    }
  });

  it('a member and a file-scope name give the same answer at every use', () => {
    const { typer, parsed } = typerOf(
      'c.c',
      'struct s { unsigned long seq; int n; };\nunsigned long total;\nvoid f(struct s *p, struct s *q)\n{\n\tp->seq; q->seq; p->n; total; total;\n}\n',
    );
    const at = (text: string, nth: number) => parsed.tree.rootNode.descendantsOfType(text.includes('->') ? 'field_expression' : 'identifier').filter((n) => n.text === text)[nth];
    assert.equal(typer.typeOf(at('p->seq', 0)).origin?.name, 'struct s::seq');
    assert.equal(typer.typeOf(at('q->seq', 0)).origin?.name, 'struct s::seq');
    assert.equal(typer.integerOf(at('p->n', 0))?.name, 'int');
    const [first, second] = [at('total', 0), at('total', 1)];
    assert.equal(typer.typeOf(first).origin?.kind, 'global');
    assert.deepEqual(typer.typeOf(second), typer.typeOf(first));
  });

  it('conversionsIn with a filter gives exactly the conversions the filter keeps, on every fixture', () => {
    const wide: ConversionFilter = (from, to) => from.bits >= 64 && (to.bits < from.bits || to.signed !== from.signed);
    const describeAll = (list: ReturnType<typeof conversionsIn>) =>
      list.map((c) => `${c.channel} ${c.source.startIndex} ${c.from.name}->${c.to.name} ${c.receiverText} ${c.receiver?.declaration.startIndex ?? ''} ${c.member?.name ?? ''}`);
    let kept = 0;
    let files = 0;
    for (const file of sourceFilesUnder([path.join(REPO, 'fixtures')], ['.c'])) {
      const { typer: all, parsed } = typerOf(path.relative(REPO, file), fs.readFileSync(file, 'utf8'));
      const filtered = new Typer(parsed, index.scopeFor(path.relative(REPO, file), stagedFacts(parsed)));
      for (const fn of functionDefinitions(parsed.tree.rootNode)) {
        const expected = describeAll(conversionsIn(fn, all).filter((c) => wide(c.from, c.to)));
        assert.deepEqual(describeAll(conversionsIn(fn, filtered, wide)), expected, `${file}: ${fn.text.slice(0, 60)}`);
        kept += expected.length;
      }
      files++;
    }
    assert.ok(files > 50 && kept > 20, `${kept} conversions kept in ${files} files`);
  });

  it('a source skipped before it is typed is one isConstantThatFits drops, and namesConstant agrees with the typed origin', () => {
    let skipped = 0;
    let constantNames = 0;
    for (const file of sourceFilesUnder([path.join(REPO, 'fixtures')], ['.c'])) {
      const { typer: typed, parsed } = typerOf(path.relative(REPO, file), fs.readFileSync(file, 'utf8'));
      const untyped = new Typer(parsed, index.scopeFor(path.relative(REPO, file), stagedFacts(parsed)));
      for (const fn of functionDefinitions(parsed.tree.rootNode)) {
        for (const conversion of conversionsIn(fn, typed)) {
          if (!isEvidentlyConstantThatFits(conversion.source, conversion.to, untyped)) continue;
          assert.ok(isConstantThatFits(conversion, typed), `${file}:${conversion.source.startPosition.row + 1}: '${conversion.source.text}'`);
          skipped++;
        }
      }
      for (const identifier of parsed.tree.rootNode.descendantsOfType('identifier')) {
        const kind = typed.typeOf(identifier).origin?.kind;
        const fresh = new Typer(parsed, index.scopeFor(path.relative(REPO, file), stagedFacts(parsed)));
        assert.equal(fresh.namesConstant(identifier), kind === 'macro' || kind === 'enumerator', `${file}:${identifier.startPosition.row + 1}: ${identifier.text}`);
        if (kind === 'macro' || kind === 'enumerator') constantNames++;
      }
    }
    assert.ok(skipped > 20 && constantNames > 20, `${skipped} sources skipped, ${constantNames} constant names`);
  });
});

