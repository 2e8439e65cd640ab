// The kernel-aware front end: rewrites keep every offset, and the trees
// rules see are right for the kernel idioms tree-sitter-c does not know.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HintError, loadHints, parseHints } from '../src/frontend/hints';
import { normalise } from '../src/frontend/normalise';
import { parseFile, ParsedFile, SyntaxNode } from '../src/frontend/parse';
import { parseHealth } from '../src/frontend/parse-health';
import { functionName } from '../src/frontend/syntax';

const hints = loadHints();
const parse = (text: string): ParsedFile => parseFile('t.c', text, { hints });

function nodesOfType(file: ParsedFile, type: string): SyntaxNode[] {
  return file.tree.rootNode.descendantsOfType(type);
}

function functionNames(file: ParsedFile): string[] {
  return nodesOfType(file, 'function_definition').map((fn) => functionName(fn) ?? '?');
}

const KERNEL_SAMPLE = `
static DEFINE_PER_CPU(unsigned long, nr_hits) __read_mostly;
struct cache {
	DECLARE_BITMAP(used, 64);
	struct list_head lru;
};

static __always_inline int __must_check count_users(struct cache *c, void __user *uptr)
{
	struct item *it;
	int n = 0;

	list_for_each_entry(it, &c->lru, node) {
		struct cache *owner = container_of(it->head, struct cache, lru);
		n += min_t(unsigned int, owner->size, 4);
	}
	for_each_item_in_cache(it, c)
		n++;
#ifdef CONFIG_DEBUG
	if (n > 10) {
#else
	if (n > 20) {
#endif
		n = 0;
	}
	switch (n) {
	case 1 ... 3:
		break;
	}
	return n;
}
EXPORT_SYMBOL_GPL(count_users);

static int FNAME(walk_addr)(struct walker *w)
{
	return FNAME(fetch)(w);
}

#if 0
this is not C at all {
#endif
`;

describe('normalise', () => {
  it('keeps the length and every newline of the text', () => {
    const out = normalise(KERNEL_SAMPLE, hints).text;
    assert.equal(out.length, KERNEL_SAMPLE.length);
    for (let i = 0; i < out.length; i++) {
      if (KERNEL_SAMPLE[i] === '\n' || out[i] === '\n') assert.equal(out[i], KERNEL_SAMPLE[i], `newline moved at offset ${i}`);
    }
  });

  it('leaves identifiers in place, so node offsets are those of the file', () => {
    const file = parse(KERNEL_SAMPLE);
    const call = nodesOfType(file, 'call_expression').find((c) => c.childForFieldName('function')?.text === 'container_of');
    assert.ok(call, 'container_of call found');
    assert.equal(call.startIndex, KERNEL_SAMPLE.indexOf('container_of'));
    const line = KERNEL_SAMPLE.slice(0, call.startIndex).split('\n').length;
    assert.equal(call.startPosition.row + 1, line);
  });

  it('parses the kernel sample with no ERROR or MISSING node', () => {
    const file = parse(KERNEL_SAMPLE);
    assert.equal(file.tree.rootNode.hasError, false, file.tree.rootNode.toString());
    assert.deepEqual(functionNames(file), ['count_users', 'FNAME_walk_addr']);
  });

  it('the same sample does not parse cleanly without normalisation', () => {
    const raw = parseFile('t.c', KERNEL_SAMPLE, { hints, raw: true });
    assert.equal(raw.tree.rootNode.hasError, true);
  });

  it('reads iterator macros as loops, listed or found by shape', () => {
    const file = parse(KERNEL_SAMPLE);
    const loops = nodesOfType(file, 'while_statement');
    assert.equal(loops.length, 2);
    assert.match(file.text.slice(loops[0].startIndex, loops[0].startIndex + 19), /^list_for_each_entry/);
    assert.match(file.text.slice(loops[1].startIndex, loops[1].startIndex + 22), /^for_each_item_in_cache/);
  });

  it('reads declarator macros as declarations', () => {
    const file = parse(KERNEL_SAMPLE);
    const declared = nodesOfType(file, 'declaration').map((d) => d.childForFieldName('declarator')?.text);
    assert.ok(declared.includes('nr_hits'), `declarations: ${declared.join(', ')}`);
    const fields = nodesOfType(file, 'field_declaration').map((d) => d.childForFieldName('declarator')?.text);
    assert.ok(fields.includes('used[ 64]'), `fields: ${fields.join(', ')}`);
  });

  it('keeps the first branch of a conditional that splits an if, and drops #if 0', () => {
    const file = parse(KERNEL_SAMPLE);
    const conditions = nodesOfType(file, 'if_statement').map((s) => s.childForFieldName('condition')?.text);
    assert.deepEqual(conditions, ['(n > 10)']);
    assert.ok(!file.parsedText.includes('this is not C'));
  });

  it('leaves conditionals around whole statements to tree-sitter', () => {
    const text = 'int f(int a)\n{\n#ifdef X\n\ta++;\n#else\n\ta--;\n#endif\n\treturn a;\n}\n';
    const file = parse(text);
    assert.equal(file.tree.rootNode.hasError, false);
    assert.equal(nodesOfType(file, 'update_expression').length, 2);
  });
});

describe('macro hints', () => {
  it('applies a user hints file after the built-in one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-hints-'));
    const file = path.join(dir, 'my.h');
    fs.writeFileSync(file, '#define __my_section_attr\n#define MY_DECLARE_RING(name, size) int name[size]\n');
    const mine = loadHints([file]);
    const text = 'struct r { MY_DECLARE_RING(slots, 8); };\nstatic int __my_section_attr g(void) { return 0; }\n';
    const parsed = parseFile('t.c', text, { hints: mine });
    assert.equal(parsed.tree.rootNode.hasError, false, parsed.tree.rootNode.toString());
    assert.deepEqual(functionNames(parsed), ['g']);
  });

  it('refuses a hint whose expansion reorders parameters, naming the file and line', () => {
    assert.throws(() => parseHints('\n#define SWAP(a, b) b a\n', 'my.h'), (e: Error) => e instanceof HintError && /my\.h:2: .*SWAP.*order/.test(e.message));
  });

  it('refuses a missing hints file with its name', () => {
    assert.throws(() => loadHints(['/nonexistent/hints.h']), /\/nonexistent\/hints\.h/);
  });
});

describe('parse health', () => {
  it('counts function definitions from the text, clean or not', () => {
    const text = 'int ok(void)\n{\n\treturn 0;\n}\n\nint broken(void)\n{\n\treturn 1 +;\n}\n';
    const health = parseHealth(parse(text));
    assert.equal(health.functions, 2);
    assert.equal(health.clean, 1);
    assert.equal(health.broken[0].line, 7);
  });
});

describe('locations', () => {
  it('reports gcc-style columns in UTF-8 bytes', () => {
    const text = '/* café */ int x;\n';
    const file = parse(text);
    const offset = text.indexOf('int');
    assert.deepEqual(file.lines.position(offset), { line: 1, column: 13 });
  });

  it('counts one byte per character in a file read as Latin-1', () => {
    const text = '/* caf\u00e9 */ int x;\n';
    const file = parseFile('t.c', text, { hints, encoding: 'latin1' });
    assert.deepEqual(file.lines.position(text.indexOf('int')), { line: 1, column: 12 });
  });
});
