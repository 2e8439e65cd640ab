// A typed scan starts with the index the cache holds while a worker thread
// checks it is current; when it was not, the index is refreshed and the files
// are analysed again. Whatever happened, the output is that of a scan with a
// fresh index.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './support/fixtures';
import { writeTree } from './support/gating';

const CLI = path.join(REPO, 'dist/src/cli.js');

interface Scan {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Which index the findings were made with (scan's debug stats). */
  index?: string;
}

function writeSmallTree(root: string): void {
  const files: Record<string, string> = {
    Makefile: '# test tree\n',
    Kconfig: '# test tree\n',
    'arch/x86/Kconfig': '# test tree\n',
    'include/linux/counter.h': 'struct counter {\n\tunsigned long seq;\n};\n',
    'drivers/a.c': [
      '#include <linux/counter.h>',
      '',
      'unsigned long counter_snapshot(struct counter *c)',
      '{',
      '\tint seq = c->seq;',
      '\treturn seq;',
      '}',
      '',
    ].join('\n'),
  };
  writeTree(root, files);
}

describe('a scan that starts with the cached index', () => {
  let tmp: string;
  let tree: string;
  let cacheDir: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-early-'));
    tree = path.join(tmp, 'tree');
    cacheDir = path.join(tmp, 'cache');
    writeSmallTree(tree);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const scanWith = (cache: string, extra: string[] = []): Scan => {
    const run = spawnSync(
      process.execPath,
      [CLI, 'scan', '.', '-r', 'seqcount-truncation', '-f', 'json', '--min-confidence', 'low', '--cache-dir', cache, '--no-progress', ...extra],
      { cwd: tree, encoding: 'utf8', env: { ...process.env, PATCH_AUDIT_DEBUG_STATS: '1' } },
    );
    const stats = /^patch-audit scan stats: (.*)$/m.exec(run.stderr);
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, index: stats ? (JSON.parse(stats[1]) as { index: string }).index : undefined };
  };
  const scan = (extra: string[] = ['--no-result-cache']) => scanWith(cacheDir, extra);
  /** The same scan with an index built from nothing. */
  const truth = () => scanWith(fs.mkdtempSync(path.join(tmp, 'fresh-')), ['--no-result-cache']).stdout;
  const findingLines = (s: Scan) => (JSON.parse(s.stdout) as { findings: { location: { line: number } }[] }).findings.map((f) => f.location.line);
  const tablePath = () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(path.join(dir, entry.name));
        else if (entry.name === 'names.table') found.push(path.join(dir, entry.name));
      }
    };
    walk(cacheDir);
    assert.equal(found.length, 1, `one name table: ${found.join(', ')}`);
    return found[0];
  };

  it('builds the index first when the cache has none, and uses it unchecked-first afterwards', () => {
    const first = scan();
    assert.equal(first.index, 'opened', first.stderr);
    assert.deepEqual(findingLines(first), [5], 'a.c narrows the unsigned long counter');
    const second = scan();
    assert.equal(second.index, 'current', second.stderr);
    assert.equal(second.stdout, first.stdout);
  });

  it('analyses again when a header changed since the index was built', () => {
    fs.writeFileSync(path.join(tree, 'include/linux/counter.h'), 'struct counter {\n\tunsigned int seq;\n};\n');
    const after = scan();
    assert.equal(after.index, 'refreshed', after.stderr);
    assert.deepEqual(findingLines(after), [], 'an unsigned int counter fits in the int');
    assert.equal(after.stdout, truth());
    assert.equal(scan().index, 'current');
  });

  it('analyses again when a file was added, and stores only the results that stand in the result cache', () => {
    fs.writeFileSync(path.join(tree, 'include/linux/counter.h'), 'struct counter;\n');
    fs.writeFileSync(path.join(tree, 'include/linux/counter_types.h'), 'struct counter {\n\tunsigned long seq;\n};\n');
    fs.writeFileSync(path.join(tree, 'drivers/a.c'), fs.readFileSync(path.join(tree, 'drivers/a.c'), 'utf8').replace('counter.h', 'counter_types.h'));
    const after = scan([]);
    assert.equal(after.index, 'refreshed', after.stderr);
    assert.deepEqual(findingLines(after), [5]);
    assert.equal(after.stdout, truth());
    const again = scan([]);
    assert.equal(again.index, 'current');
    assert.equal(again.stdout, after.stdout, 'the result cache gives back what the refreshed analysis found');
  });

  it('rebuilds a damaged table and says so once, with the output of a fresh index', () => {
    const expected = truth();
    fs.writeFileSync(tablePath(), 'not a table');
    const after = scan();
    assert.equal(after.index, 'refreshed', after.stderr);
    assert.equal(after.stdout, expected);
    assert.equal(after.stderr.match(/name table .* is damaged/g)?.length, 1, after.stderr);
    assert.doesNotMatch(after.stderr, /internal-error|failed on this file/);
  });
});
