// What changed in the index between two tables, as the result cache sees it:
// keys whose declarations differ, and files whose #include closure may differ.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadHints } from '../src/frontend/hints';
import { factsOfSource } from '../src/types/extract';
import { MemoryDeclSource } from '../src/types/decl-source';
import type { FileFacts } from '../src/types/facts';
import { changesBetween, decodeIndexState, encodeIndexState, IndexChanges, IndexState, mayHaveChanged } from '../src/types/index-changes';
import { ANY_TIER, LookupRecorder, lookupKeyHash, tallyKey } from '../src/types/lookup-keys';
import { TypeIndex } from '../src/types/type-index';

const hints = loadHints([]);
type Tree = Record<string, string>;

/** Both versions of a tree, and what changed between them. */
function changes(before: Tree, after: Tree, options: { forget?: string } = {}): IndexChanges | null {
  const facts = new Map<string, FileFacts>();
  const state = (tree: Tree, tableId: string): IndexState => {
    const files = new Map<string, string>();
    for (const [file, text] of Object.entries(tree)) {
      const hash = `${file}@${text}`;
      files.set(file, hash);
      if (file !== options.forget || tableId === 'after') facts.set(hash, factsOfSource(file, text, { hints, encoding: 'utf8', macros: true }));
    }
    return { tableId, files };
  };
  const a = state(before, 'before');
  const b = state(after, 'after');
  const index = new TypeIndex(new MemoryDeclSource(Object.entries(after).map(([file, text]) => [file, factsOfSource(file, text, { hints, encoding: 'utf8', macros: true })])));
  const reader = (hashes: readonly string[]) => new Map(hashes.filter((h) => facts.has(h)).map((h) => [h, facts.get(h)!]));
  return changesBetween(a, b, reader, index);
}

const has = (c: IndexChanges | null, key: string) => c!.keys.has(lookupKeyHash(key));

const TREE: Tree = {
  'include/linux/counter.h': 'struct counter {\n\tunsigned long seq;\n};\nint counter_read(struct counter *c);\n',
  'include/linux/widget.h': '#include <linux/types.h>\nstruct widget {\n\tint size;\n};\n',
  'include/linux/types.h': 'typedef unsigned long ulong;\n',
  'drivers/a.c': '#include <linux/counter.h>\nint a(struct counter *c)\n{\n\tcounter_read(c);\n\treturn counter_read(c);\n}\n',
  'drivers/b.c': '#include <linux/widget.h>\nint b(struct widget *w)\n{\n\treturn w->size;\n}\n',
};

describe('index changes', () => {
  it('nothing, when nothing changed', () => {
    assert.deepEqual(changes(TREE, { ...TREE }), { keys: new Map(), reach: new Set() });
  });

  it('the keys of a changed declaration, not the others of the file', () => {
    const c = changes(TREE, { ...TREE, 'include/linux/counter.h': 'struct counter {\n\tunsigned long seq;\n\tint spare;\n};\nint counter_read(struct counter *c);\n' });
    assert.ok(has(c, 't:counter'));
    assert.ok(has(c, 'o:counter_read'), 'its line moved');
    assert.ok(!has(c, 't:widget'));
    assert.equal(c!.reach.size, 0, 'no #include line changed');
  });

  it('a call record whose line moved changes its key but not its tally; a new call changes both', () => {
    const moved = changes(TREE, { ...TREE, 'drivers/a.c': '#include <linux/counter.h>\n\nint a(struct counter *c)\n{\n\tcounter_read(c);\n\treturn counter_read(c);\n}\n' });
    assert.ok(has(moved, 'c:counter_read'));
    assert.ok(!has(moved, tallyKey('c:counter_read')));
    const added = changes(TREE, { ...TREE, 'drivers/a.c': '#include <linux/counter.h>\nint a(struct counter *c)\n{\n\tcounter_read(c);\n\tcounter_read(c);\n\treturn counter_read(c);\n}\n' });
    assert.ok(has(added, tallyKey('c:counter_read')));
  });

  it('a changed #include line reaches the file and every file that includes it', () => {
    const c = changes(TREE, { ...TREE, 'include/linux/widget.h': '#include <linux/types.h>\nstruct widget {\n\tint size;\n};\n#include <linux/counter.h>\n' });
    assert.deepEqual([...c!.reach].sort(), ['drivers/b.c', 'include/linux/widget.h']);
    assert.ok(!has(c, 't:widget'), 'same declaration on the same line');
  });

  it('a file that is gone reaches the files that included it', () => {
    const after = { ...TREE };
    delete after['include/linux/types.h'];
    const c = changes(TREE, after);
    assert.ok(has(c, 'o:ulong'));
    assert.deepEqual([...c!.reach].sort(), ['drivers/b.c', 'include/linux/types.h', 'include/linux/widget.h']);
  });

  it('a moved definition matters to files that used it, not to those that saw a closer prototype', () => {
    const tree: Tree = {
      ...TREE,
      'mm/counter.c': '#include <linux/counter.h>\nint counter_read(struct counter *c)\n{\n\treturn c->seq;\n}\nstatic int helper(void)\n{\n\treturn 0;\n}\n',
    };
    const moved = changes(tree, { ...tree, 'mm/counter.c': '/* one more line */\n' + tree['mm/counter.c'] })!;
    const seen = (lookups: [key: string, tier: number][]) => {
      const recorder = new LookupRecorder();
      for (const [key, tier] of lookups) recorder.add(key, tier);
      return recorder.recorded();
    };
    // drivers/a.c typed counter_read() from the prototype in the header it includes (tier 1).
    assert.equal(mayHaveChanged(seen([['o:counter_read', 1]]), 'drivers/a.c', moved), false);
    // It asked for the definition: the best was the one in mm/counter.c (tier 3).
    assert.equal(mayHaveChanged(seen([['o:counter_read', 3]]), 'drivers/a.c', moved), true);
    // A file in mm/ that found nothing closer than the directory (tier 2) sees the change too; a static elsewhere, never.
    assert.equal(mayHaveChanged(seen([['o:counter_read', 2]]), 'mm/other.c', moved), true);
    assert.equal(mayHaveChanged(seen([['o:helper', ANY_TIER]]), 'drivers/a.c', moved), false);
    assert.equal(mayHaveChanged(seen([['o:helper', ANY_TIER]]), 'mm/counter.c', moved), true);
  });

  it('a look-up that found nothing sees any visible declaration that appears', () => {
    const added = changes(TREE, { ...TREE, 'include/linux/new.h': 'int brand_new(void);\n' })!;
    const recorder = new LookupRecorder();
    recorder.add('o:brand_new', ANY_TIER);
    assert.equal(mayHaveChanged(recorder.recorded(), 'drivers/b.c', added), true);
    const other = new LookupRecorder();
    other.add('o:something_else', ANY_TIER);
    assert.equal(mayHaveChanged(other.recorded(), 'drivers/b.c', added), false);
  });

  it('cannot tell when the facts of a changed file are gone', () => {
    assert.equal(changes(TREE, { ...TREE, 'drivers/b.c': '/* new */\n' + TREE['drivers/b.c'] }, { forget: 'drivers/b.c' }), null);
  });

  it('stores a state and reads it back; anything else reads as none', () => {
    const state: IndexState = { tableId: 't1', files: new Map([['a.c', 'ab'.repeat(20)], ['b.h', 'cd'.repeat(20)]]) };
    assert.deepEqual(decodeIndexState(encodeIndexState(state)), state);
    assert.equal(decodeIndexState(Buffer.from('junk')), null);
  });
});
