// The stat fingerprint: a run may take the index as current from a stat of
// each directory and C file, and only while nothing it recorded changed.

import { after, beforeEach, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex } from '../src/types/build-index';
import { cacheKey, KeyDirectory } from '../src/types/facts-cache';
import { TreeDirectory } from '../src/types/tree-directory';
import { tableIdOf } from '../src/types/name-table';
import { statFingerprintHolds } from '../src/types/stat-fingerprint';
import { writeTree } from './support/gating';

const FILES: Record<string, string> = {
  Makefile: 'all:\n',
  Kconfig: 'mainmenu "test"\n',
  'include/linux/counter.h': 'struct counter {\n\tunsigned long seq;\n};\n',
  'drivers/misc/a.c': '#include <linux/counter.h>\nint a(struct counter *c)\n{\n\treturn c->seq;\n}\n',
  'drivers/misc/notes.txt': 'not C\n',
};

describe('stat fingerprint', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-fingerprint-'));
  let tree: string;
  let cacheDir: string;
  let directory: TreeDirectory;
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const index = () => buildIndex(tree, { cacheDir, hintFiles: [], jobs: 1, progress: false, notice: () => {} });
  const holds = () => statFingerprintHolds(tree, directory, tableIdOf(directory.tablePath, () => {}));
  /** Dates everything in the tree `secondsAgo` back: a fingerprint is recorded only for times clear of the listing's. */
  const backdate = (secondsAgo: number) => {
    const at = new Date(Date.now() - secondsAgo * 1000);
    const visit = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) visit(path.join(dir, entry.name));
        fs.utimesSync(path.join(dir, entry.name), at, at);
      }
    };
    visit(tree);
    fs.utimesSync(tree, at, at);
  };
  /** A change, dated so that it shows in the mtime whatever the clock's grain. */
  const later = (file: string) => {
    const at = new Date(Date.now() - 30_000);
    fs.utimesSync(file, at, at);
  };

  beforeEach(async () => {
    const at = fs.mkdtempSync(path.join(tmp, 'case-'));
    tree = path.join(at, 'tree');
    fs.mkdirSync(tree);
    tree = fs.realpathSync(tree);
    writeTree(tree, FILES);
    backdate(60);
    cacheDir = path.join(at, 'cache');
    await index();
    directory = new KeyDirectory(cacheDir, cacheKey([])).tree(tree);
  });

  it('holds right after the index was built, and after an unchanged refresh', async () => {
    assert.ok(fs.existsSync(directory.fingerprintPath));
    assert.equal(holds(), true);
    await index();
    assert.equal(holds(), true);
  });

  it('fails when a C file was written to', () => {
    const file = path.join(tree, 'include/linux/counter.h');
    fs.writeFileSync(file, 'struct counter {\n\tunsigned int seq;\n};\n');
    later(file);
    assert.equal(holds(), false);
  });

  it('fails when a file is added to a directory below the root', () => {
    fs.writeFileSync(path.join(tree, 'drivers/misc/b.c'), 'int b;\n');
    later(path.join(tree, 'drivers/misc'));
    assert.equal(holds(), false);
  });

  it('fails when a file is removed', () => {
    fs.rmSync(path.join(tree, 'drivers/misc/a.c'));
    later(path.join(tree, 'drivers/misc'));
    assert.equal(holds(), false);
  });


  it('fails when a directory is added', () => {
    fs.mkdirSync(path.join(tree, 'drivers/new'));
    later(path.join(tree, 'drivers'));
    assert.equal(holds(), false);
  });

  /** Runs `check` with the tree as the working directory, where paths are stat'ed from it. */
  const fromTheRoot = (check: () => void) => {
    const was = process.cwd();
    try {
      process.chdir(tree);
      check();
    } finally {
      process.chdir(was);
    }
  };

  it('holds when run from the top of the tree, where it stats paths from the working directory', () => {
    fromTheRoot(() => assert.equal(holds(), true));
  });

  it('fails from the top of the tree when a C file was written to', () => {
    fromTheRoot(() => {
      const file = path.join(tree, 'include/linux/counter.h');
      fs.writeFileSync(file, 'struct counter {\n\tunsigned int seq;\n};\n');
      later(file);
      assert.equal(holds(), false);
    });
  });

  it('fails from the top of the tree when a file is added to the root itself', () => {
    fromTheRoot(() => {
      fs.writeFileSync(path.join(tree, 'b.c'), 'int b;\n');
      later(tree);
      assert.equal(holds(), false);
    });
  });

  it('fails for another table, and when the table does not open', () => {
    const id = tableIdOf(directory.tablePath, () => {});
    assert.ok(id);
    assert.equal(statFingerprintHolds(tree, directory, `${id}x`), false);
    assert.equal(statFingerprintHolds(tree, directory, null), false);
  });

  it('is made again once the tree changed and the index was refreshed', async () => {
    fs.writeFileSync(path.join(tree, 'drivers/misc/b.c'), 'int b;\n');
    later(path.join(tree, 'drivers/misc'));
    later(path.join(tree, 'drivers/misc/b.c'));
    assert.equal(holds(), false);
    await index();
    assert.equal(holds(), true);
  });

  it('is not made while a time it would record is as recent as the listing: a change in the same clock tick would not show', async () => {
    fs.writeFileSync(path.join(tree, 'drivers/misc/b.c'), 'int b;\n');
    await index();
    assert.equal(fs.existsSync(directory.fingerprintPath), false);
    assert.equal(holds(), false);
    backdate(60);
    await index();
    assert.equal(holds(), true);
  });

  it('is not made for a tree with a path it cannot record', async () => {
    fs.writeFileSync(path.join(tree, 'drivers/misc/tab\there.c'), 'int t;\n');
    backdate(60);
    await index();
    assert.equal(fs.existsSync(directory.fingerprintPath), false);
    assert.equal(holds(), false);
  });
});
