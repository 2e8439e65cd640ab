// The layering of src/: the type index never reaches the engine (which uses
// it), and the worker pool is a leaf that imports nothing of the project.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { REPO } from './support/fixtures';
import { importChain, importedSpecifiers, moduleGraph } from './support/imports';

describe('import layers', () => {
  const graph = moduleGraph(REPO, ['src', 'rules']);

  it('reads every kind of import', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from '../b/b';",
      "import './side-effect';",
      "const c = await import('./c');",
      "const d = require('../d');",
      "import * as fs from 'node:fs';",
    ].join('\n');
    assert.deepEqual(importedSpecifiers(text), ['./a', '../b/b', './side-effect', './c', '../d']);
  });

  it('finds a chain through other folders', () => {
    const synthetic = new Map([
      ['src/types/x', ['src/commands/y']],
      ['src/commands/y', ['src/engine/z']],
      ['src/engine/z', ['src/types/x']],
    ]);
    assert.deepEqual(importChain(synthetic, 'src/types', 'src/engine'), ['src/types/x', 'src/commands/y', 'src/engine/z']);
  });

  it('has the modules it is about', () => {
    for (const module of ['src/types/build-index', 'src/types/facts-worker', 'src/engine/worker', 'src/workers/pool']) {
      assert.ok(graph.has(module), `${module} is read`);
    }
    assert.ok(graph.get('src/engine/analyse-file')!.some((m) => m.startsWith('src/types/')), 'the engine does use the type index');
  });

  it('src/types reaches nothing in src/engine, directly or through other modules', () => {
    const chain = importChain(graph, 'src/types', 'src/engine');
    assert.equal(chain, null, `import chain ${chain?.join(' -> ')}`);
  });

  it('src/workers imports nothing of the project outside itself', () => {
    for (const [module, imports] of graph) {
      if (!module.startsWith('src/workers/')) continue;
      const outside = imports.filter((m) => !m.startsWith('src/workers/'));
      assert.deepEqual(outside, [], `${module} imports ${outside.join(', ')}`);
    }
  });
});
