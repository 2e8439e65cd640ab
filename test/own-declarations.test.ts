// A name the analysed file declares itself is answered by its own
// declarations, the first tier, without reading the index's key for it; a
// name it declares only in another kind still reads the index.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { DeclSource, MemoryDeclSource } from '../src/types/decl-source';
import { factsOfSource, stagedFacts } from '../src/types/extract';
import { indexKey, Located } from '../src/types/facts';
import { loadHints } from '../src/frontend/hints';
import { TypeIndex } from '../src/types/type-index';
import { Typer } from '../src/types/typer';
import { parseFixture } from './support/fixtures';

const HEADER = `#define LIMIT 64UL
struct widget { long seq; };
long widget_seq(struct widget *w);
extern int widget_count;
`;

const FILE = `#include "widget.h"
#define LIMIT 8
struct widget { int seq; };
static int widget_seq(struct widget *w) { return w->seq; }
static int widget_count;
int widget_reset(void) { return 0; }
`;

/** The index's keys read, in order. */
class CountingSource implements DeclSource {
  readonly asked: string[] = [];
  constructor(private readonly inner: MemoryDeclSource) {}
  lookup(key: string): readonly Located[] {
    this.asked.push(key);
    return this.inner.lookup(key);
  }
  includesOf(path: string) {
    return this.inner.includesOf(path);
  }
  files() {
    return this.inner.files();
  }
}

describe('own declarations', () => {
  const hints = loadHints([]);
  const tree = new MemoryDeclSource([
    ['drivers/widget.h', factsOfSource('drivers/widget.h', HEADER, { hints, encoding: 'utf8', macros: true })],
    ['drivers/widget.c', factsOfSource('drivers/widget.c', FILE.replace('static int widget_count;', ''), { hints, encoding: 'utf8', macros: true })],
  ]);

  it('answers as before, from the file itself, without reading the index for the names the file declares', () => {
    const counting = new CountingSource(tree);
    const parsed = parseFixture('drivers/widget.c', FILE);
    const scope = new TypeIndex(counting).scopeFor('drivers/widget.c', stagedFacts(parsed));
    // The reference: every declaration ranked, the index read for each key.
    const reference = new TypeIndex(tree).scopeFor('drivers/widget.c', stagedFacts(parsed));
    const questions: [Parameters<typeof scope.lookup>[0], string, Parameters<typeof scope.lookup>[2]?][] = [
      ['macro', 'LIMIT'],
      ['tag', 'widget', ['struct']],
      ['ordinary', 'widget_seq', ['function']],
      ['ordinary', 'widget_count', ['variable', 'function', 'enumerator']],
      ['ordinary', 'widget_reset'],
    ];
    for (const [space, name, kinds] of questions) {
      const answer = scope.lookup(space, name, kinds);
      assert.equal(answer?.tier, 0, `${space} ${name}`);
      assert.deepEqual(answer, reference.lookup(space, name, kinds), `${space} ${name}`);
    }
    assert.deepEqual(counting.asked, [], 'no key of the file\'s own names was read');

    // Declared here only as a variable: a function of that name is looked for in the index.
    assert.equal(scope.lookup('ordinary', 'widget_count', ['function']), null);
    assert.deepEqual(counting.asked, [indexKey('ordinary', 'widget_count')]);
  });

  it('a macro of an included header needs no index read of the name as a value; a name the file declares needs none of it as a macro', () => {
    const header = '#define WIDGET_MAX 255\n#define widget_total 0\n';
    const file = '#include "gadget.h"\nstatic unsigned long widget_total;\nint f(void) { return WIDGET_MAX + widget_total; }\n';
    const facts = (path: string, text: string) => factsOfSource(path, text, { hints, encoding: 'utf8', macros: true });
    const gadgets = new MemoryDeclSource([
      ['drivers/gadget.h', facts('drivers/gadget.h', header)],
      ['drivers/gadget.c', facts('drivers/gadget.c', file)],
    ]);
    const counting = new CountingSource(gadgets);
    const parsed = parseFixture('drivers/gadget.c', file);
    const typer = new Typer(parsed, new TypeIndex(counting).scopeFor('drivers/gadget.c', stagedFacts(parsed)));
    // The reference reads the file's facts from the index, every key in full.
    const reference = new Typer(parsed, new TypeIndex(gadgets).scopeFor('drivers/gadget.c'));
    for (const name of ['WIDGET_MAX', 'widget_total']) {
      const use = parsed.tree.rootNode.descendantsOfType('identifier').filter((n) => n.text === name).pop()!;
      assert.deepEqual(typer.typeOf(use), reference.typeOf(use), name);
    }
    const uses = parsed.tree.rootNode.descendantsOfType('identifier');
    assert.equal(typer.typeOf(uses.filter((n) => n.text === 'WIDGET_MAX').pop()!).origin?.kind, 'macro');
    assert.equal(typer.typeOf(uses.filter((n) => n.text === 'widget_total').pop()!).origin?.kind, 'global', 'the file\'s own declaration wins');
    assert.ok(!counting.asked.includes(indexKey('ordinary', 'WIDGET_MAX')), counting.asked.join(' '));
    // Declared in the file: only a #define in the file could win, so the header's macro key is not read.
    assert.ok(!counting.asked.includes(indexKey('macro', 'widget_total')), counting.asked.join(' '));
  });
});
