// Pruning the cache by age and by size, only ever what patch-audit made.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex, IndexBuild } from '../src/types/build-index';
import { CacheLock } from '../src/types/cache-lock';
import { DEFAULT_PRUNE_LIMITS, pruneCache, surveyCache } from '../src/types/cache-prune';
import { REPO } from './support/fixtures';
import { quietIndexOptions } from './support/index-options';

const CLI = path.join(REPO, 'dist/src/cli.js');
const FIXTURE_TREE = path.join(REPO, 'fixtures/types/tree');
const DAY_MS = 24 * 60 * 60 * 1000;

let tmp: string;

before(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-prune-')));
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});


/** A copy of the fixture tree with `unique` files of its own. */
function treeWith(name: string, unique: number): string {
  const tree = path.join(tmp, name);
  fs.cpSync(FIXTURE_TREE, tree, { recursive: true });
  for (let i = 0; i < unique; i++) fs.writeFileSync(path.join(tree, `mm/${name}-${i}.c`), `int ${name.replace(/\W/g, '_')}_${i};\n`);
  return tree;
}

function treeDirectoryOf(build: IndexBuild): string {
  return path.dirname(build.tablePath);
}

function age(build: IndexBuild, days: number): void {
  const when = new Date(Date.now() - days * DAY_MS);
  fs.utimesSync(path.join(treeDirectoryOf(build), 'manifest.v8'), when, when);
}

describe('pruning', () => {
  it('removes trees unused for longer than the age limit, and the facts only they had', async () => {
    const cacheDir = path.join(tmp, 'by-age');
    const old = await buildIndex(treeWith('old', 40), quietIndexOptions(cacheDir));
    const recent = await buildIndex(treeWith('recent', 0), quietIndexOptions(cacheDir));
    const pack = path.join(path.dirname(path.dirname(treeDirectoryOf(old))), 'facts.pack');
    const packBefore = fs.statSync(pack).size;
    age(old, 31);
    age(recent, 29);
    const report = pruneCache(cacheDir);
    assert.deepEqual(report.removed.map((u) => u.treePath), [treeDirectoryOf(old)]);
    assert.ok(!fs.existsSync(treeDirectoryOf(old)));
    assert.ok(fs.statSync(pack).size < packBefore, 'the pack was rewritten without the old tree\'s facts');
    assert.ok(report.bytesAfter < report.bytesBefore);
    const warm = await buildIndex(path.join(tmp, 'recent'), quietIndexOptions(cacheDir));
    assert.equal(warm.stats.wrote, 'nothing', 'the other tree is whole');
    assert.equal(warm.stats.extracted, 0);
  });

  it('removes the least recently used trees until the cache fits, never the one in use', async () => {
    const cacheDir = path.join(tmp, 'by-size');
    const builds = [];
    for (const [i, name] of ['s0', 's1', 's2'].entries()) {
      builds.push(await buildIndex(treeWith(name, 5), quietIndexOptions(cacheDir)));
      age(builds[i], 3 - i); // s0 the least recently used
    }
    const total = surveyCache(cacheDir).totalBytes;
    const report = pruneCache(cacheDir, { ...DEFAULT_PRUNE_LIMITS, maxBytes: total - 1 });
    assert.deepEqual(report.removed.map((u) => u.treePath), [treeDirectoryOf(builds[0])]);
    assert.ok(report.bytesAfter <= total - 1);

    const kept = pruneCache(cacheDir, { ...DEFAULT_PRUNE_LIMITS, maxBytes: 0 }, { keep: treeDirectoryOf(builds[2]) });
    assert.deepEqual(kept.removed.map((u) => u.treePath), [treeDirectoryOf(builds[1])]);
    assert.ok(fs.existsSync(builds[2].tablePath));
  });

  it('after a build that wrote, keeps the cache within the limit given to it', async () => {
    const cacheDir = path.join(tmp, 'after-build');
    const first = await buildIndex(treeWith('a1', 0), quietIndexOptions(cacheDir));
    age(first, 1);
    const said: string[] = [];
    const second = await buildIndex(treeWith('a2', 3), quietIndexOptions(cacheDir, { limits: { ...DEFAULT_PRUNE_LIMITS, maxBytes: 1 }, notice: (m) => said.push(m) }));
    assert.ok(!fs.existsSync(treeDirectoryOf(first)));
    assert.ok(fs.existsSync(second.tablePath), 'the tree just built stays');
    assert.match(said.join('\n'), /^cache: pruned 1 unused index\(es\), \d+ MB, to stay within the cache limits$/m);
  });

  it('removes a key directory with no tree left, and an older layout\'s directory whole', async () => {
    const cacheDir = path.join(tmp, 'keys');
    const only = await buildIndex(treeWith('k1', 0), quietIndexOptions(cacheDir));
    const keyPath = path.dirname(path.dirname(treeDirectoryOf(only)));
    const olderLayout = path.join(cacheDir, `index-${'a'.repeat(40)}`);
    fs.mkdirSync(path.join(olderLayout, 'b'.repeat(40)), { recursive: true });
    fs.writeFileSync(path.join(olderLayout, 'b'.repeat(40), 'facts.pack'), 'old');
    const foreign = ['notes.txt', 'index-not-ours', `index-${'c'.repeat(40)}.bak`].map((name) => path.join(cacheDir, name));
    for (const file of foreign) fs.writeFileSync(file, 'not patch-audit\'s');
    age(only, 100);
    const when = new Date(Date.now() - 100 * DAY_MS);
    fs.utimesSync(path.join(olderLayout, 'b'.repeat(40), 'facts.pack'), when, when);

    const report = pruneCache(cacheDir);
    assert.equal(report.removed.length, 2);
    assert.ok(!fs.existsSync(keyPath), 'the key went with its last tree');
    assert.ok(!fs.existsSync(olderLayout));
    for (const file of foreign) assert.ok(fs.existsSync(file), `${file} is not touched`);
  });

  it('leaves alone a key whose lock another run holds', async () => {
    const cacheDir = path.join(tmp, 'busy');
    const build = await buildIndex(treeWith('b1', 0), quietIndexOptions(cacheDir));
    age(build, 100);
    const keyPath = path.dirname(path.dirname(treeDirectoryOf(build)));
    const lock = CacheLock.tryAcquire(path.join(keyPath, 'lock'))!;
    try {
      const report = pruneCache(cacheDir);
      assert.deepEqual(report.removed, []);
      assert.deepEqual(report.busy, [keyPath]);
      assert.ok(fs.existsSync(build.tablePath));
    } finally {
      lock.release();
    }
  });
});

describe('patch-audit cache', () => {
  it('lists the indexes, and prunes to a size', async () => {
    const cacheDir = path.join(tmp, 'cli');
    const tree = treeWith('c1', 0);
    await buildIndex(tree, quietIndexOptions(cacheDir));
    const list = spawnSync(process.execPath, [CLI, 'cache', 'list', '--cache-dir', cacheDir], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^ {2}${tree}: [\\d.]+ MB of its own, \\d+ files, last used \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`, 'm'));

    const prune = spawnSync(process.execPath, [CLI, 'cache', 'prune', '--cache-dir', cacheDir, '--max-size', '0', '--json'], { encoding: 'utf8' });
    assert.equal(prune.status, 0, prune.stderr);
    const report = JSON.parse(prune.stdout) as { removed: { root?: string; treePath?: string }[]; bytesAfter: number };
    assert.equal(report.removed.length, 1);
    assert.equal(report.bytesAfter, 0);

    const bad = spawnSync(process.execPath, [CLI, 'cache', 'prune', '--cache-dir', cacheDir, '--max-age', 'soon'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--max-age: expected a number of days, got 'soon'/);
  });
});
