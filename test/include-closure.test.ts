import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { MemoryDeclSource } from '../src/types/decl-source';
import type { FileFacts, IncludeDirective } from '../src/types/facts';
import { IncludeGraph } from '../src/types/visibility';

const local = (spec: string): IncludeDirective => ({ spec, system: false });
const system = (spec: string): IncludeDirective => ({ spec, system: true });
const facts = (...includes: IncludeDirective[]): FileFacts => ({ decls: [], includes });

/** The files of `tree` reachable from `file` (itself left out), one resolved edge at a time. */
function reachable(graph: IncludeGraph, tree: Map<string, FileFacts>, file: string, own?: readonly IncludeDirective[]): Set<string> {
  const seen = new Set<string>();
  const queue = [file];
  while (queue.length) {
    const current = queue.pop()!;
    const includes = current === file && own ? own : tree.get(current)?.includes ?? [];
    for (const include of includes) {
      const target = graph.resolve(current, include, graph.archOf(file));
      if (target && target !== file && !seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }
  return seen;
}

describe('include closure', () => {
  // Cycles (a.h and b.h include each other, c.c includes itself through them), an arch header, a missing include.
  const tree = new Map<string, FileFacts>([
    ['include/linux/a.h', facts(system('linux/b.h'), system('asm/page.h'))],
    ['include/linux/b.h', facts(system('linux/a.h'), local('c.h'))],
    ['include/linux/c.h', facts(system('linux/missing.h'))],
    ['arch/x86/include/asm/page.h', facts(system('linux/c.h'))],
    ['arch/arm64/include/asm/page.h', facts(system('linux/d.h'))],
    ['include/linux/d.h', facts()],
    ['drivers/x/one.c', facts(system('linux/a.h'), local('one.h'))],
    ['drivers/x/one.h', facts(local('../../drivers/x/one.c'))],
    ['arch/arm64/kvm/two.c', facts(system('linux/a.h'))],
    ['lonely.c', facts()],
  ]);
  const all = [...tree.keys()];

  it('holds exactly the files reachable through #include lines, each file closed over its own architecture', () => {
    const graph = new IncludeGraph(new MemoryDeclSource(tree), 'x86');
    for (const file of all) {
      const expected = reachable(graph, tree, file);
      const closure = graph.closure(file);
      for (const other of [...all, 'include/linux/missing.h', 'nowhere.h']) {
        assert.equal(closure.has(other), expected.has(other), `${file} reaches ${other}: ${expected.has(other)}`);
      }
    }
    assert.ok(graph.closure('arch/arm64/kvm/two.c').has('include/linux/d.h'));
    assert.ok(!graph.closure('drivers/x/one.c').has('include/linux/d.h'));
    assert.ok(!graph.closure('drivers/x/one.c').has('drivers/x/one.c'), 'a file is not in its own closure, even through a cycle');
  });

  it('follows a file\'s own #include lines in place of the indexed ones, and answers for files met only after it was made', () => {
    const graph = new IncludeGraph(new MemoryDeclSource(tree), 'x86');
    const own = [system('linux/c.h')];
    const closure = graph.closure('drivers/x/one.c', own);
    const expected = reachable(graph, tree, 'drivers/x/one.c', own);
    assert.deepEqual(expected, new Set(['include/linux/c.h']));
    // Files numbered after the closure was made.
    for (const file of all) graph.closure(file);
    for (const other of all) assert.equal(closure.has(other), expected.has(other), other);
    assert.ok(graph.closure('drivers/x/one.c').has('include/linux/a.h'), 'the indexed lines still give the cached closure');
  });
});
