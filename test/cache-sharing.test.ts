// One cache, several trees and several runs: facts shared by content across
// trees, a new tree laid over a sibling's table, the write lock, and runs
// that build at the same time.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildIndex, IndexBuild } from '../src/types/build-index';
import { CacheLock, STALE_AFTER_MS } from '../src/types/cache-lock';
import { NameTable } from '../src/types/name-table';
import { REPO } from './support/fixtures';
import { quietIndexOptions } from './support/index-options';

const CLI = path.join(REPO, 'dist/src/cli.js');
const FIXTURE_TREE = path.join(REPO, 'fixtures/types/tree');

let tmp: string;

before(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-sharing-')));
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});


/** A copy of the fixture tree: real files, or hard links of `linkFrom`'s files (cp -al). */
function copyTree(to: string, linkFrom?: string): string {
  if (linkFrom) assert.equal(spawnSync('cp', ['-al', linkFrom, to]).status, 0);
  else fs.cpSync(FIXTURE_TREE, to, { recursive: true });
  return to;
}

function lookupFiles(build: IndexBuild, key: string): string[] {
  const table = NameTable.open(build.tablePath);
  try {
    return table.lookup(key).map((d) => `${d.file}:${d.line}`);
  } finally {
    table.close();
  }
}

describe('facts shared across the trees of one cache', () => {
  let cacheDir: string;
  let first: string;
  let firstBuild: IndexBuild;

  before(async () => {
    cacheDir = path.join(tmp, 'shared-cache');
    first = copyTree(path.join(tmp, 'first'));
    firstBuild = await buildIndex(first, quietIndexOptions(cacheDir));
  });

  it('a hard-linked copy with one file replaced: nothing read but that file, the table laid over the first tree\'s base', async () => {
    const copy = copyTree(path.join(tmp, 'linked'), first);
    const changed = path.join(copy, 'arch/x86/kvm/mmu/mmu_internal.h');
    const text = fs.readFileSync(changed, 'utf8');
    fs.rmSync(changed); // a new file, not an edit through the link
    fs.writeFileSync(changed, `${text}\nstruct only_in_the_copy { int x; };\n`);

    const build = await buildIndex(copy, quietIndexOptions(cacheDir));
    const s = build.stats;
    assert.equal(s.files, firstBuild.stats.files);
    assert.equal(s.linked, s.files - 1, 'every other file is a hard link of a file the first tree indexed');
    assert.equal(s.rehashed, 1);
    assert.equal(s.bytesRead, 2 * fs.statSync(changed).size, 'that file only: read to hash it, then to parse it');
    assert.equal(s.extracted, 1);
    assert.equal(s.wrote, 'delta');
    assert.equal(s.adoptedBaseFrom, first);
    assert.notEqual(build.tablePath, firstBuild.tablePath);
    assert.equal(fs.statSync(build.tablePath).ino, fs.statSync(firstBuild.tablePath).ino, 'the base is a hard link, not a copy');

    assert.deepEqual(lookupFiles(build, 't:only_in_the_copy').map((f) => f.split(':')[0]), ['arch/x86/kvm/mmu/mmu_internal.h']);
    assert.deepEqual(lookupFiles(firstBuild, 't:only_in_the_copy'), [], 'the first tree does not see the copy\'s change');
    assert.deepEqual(lookupFiles(build, 't:kvm_page_fault'), lookupFiles(firstBuild, 't:kvm_page_fault'));

    const warm = await buildIndex(copy, quietIndexOptions(cacheDir));
    assert.equal(warm.stats.wrote, 'nothing');
    const firstAgain = await buildIndex(first, quietIndexOptions(cacheDir));
    assert.equal(firstAgain.stats.wrote, 'nothing', 'the first tree\'s cache is untouched');
  });

  it('a copy with its own inodes (a worktree, a checkout): read and hashed, nothing parsed', async () => {
    const copy = copyTree(path.join(tmp, 'real-copy'));
    const build = await buildIndex(copy, quietIndexOptions(cacheDir));
    assert.equal(build.stats.linked, 0);
    assert.equal(build.stats.rehashed, build.stats.files);
    assert.equal(build.stats.extracted, 0);
    assert.equal(build.stats.wrote, 'delta', 'laid over a sibling base that holds every file as it is');
    assert.deepEqual(lookupFiles(build, 't:kvm_page_fault'), lookupFiles(firstBuild, 't:kvm_page_fault'));
  });

  it('a sibling rebuilding its base leaves the tree laid over the old one whole', async () => {
    const copy = path.join(tmp, 'linked');
    const before = lookupFiles(await buildIndex(copy, quietIndexOptions(cacheDir)), 't:kvm_page_fault');
    await buildIndex(first, quietIndexOptions(cacheDir, { rebuild: true }));
    const after = await buildIndex(copy, quietIndexOptions(cacheDir));
    assert.equal(after.stats.wrote, 'nothing');
    assert.deepEqual(lookupFiles(after, 't:kvm_page_fault'), before);
  });
});

describe('the cache lock', () => {
  it('is held by one at a time, and released', () => {
    const lockPath = path.join(tmp, 'lock-a');
    const lock = CacheLock.tryAcquire(lockPath);
    assert.ok(lock);
    assert.equal(CacheLock.tryAcquire(lockPath), null, 'held');
    lock.release();
    const again = CacheLock.tryAcquire(lockPath);
    assert.ok(again, 'free again');
    again.release();
    assert.deepEqual(fs.readdirSync(tmp).filter((n) => n.startsWith('lock-a')), [], 'nothing left behind');
  });

  it('is taken over from a process of this host that is gone', () => {
    const lockPath = path.join(tmp, 'lock-b');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(lockPath, JSON.stringify({ pid: Number(dead.stdout), host: os.hostname(), since: Date.now(), token: 'dead' }));
    const lock = CacheLock.tryAcquire(lockPath);
    assert.ok(lock, 'a dead holder\'s lock is stale');
    lock.release();
  });

  it('is taken over when older than any write takes, even from another host', () => {
    const lockPath = path.join(tmp, 'lock-c');
    const owner = { pid: process.pid, host: 'elsewhere.example', since: Date.now(), token: 'other' };
    fs.writeFileSync(lockPath, JSON.stringify(owner));
    assert.equal(CacheLock.tryAcquire(lockPath), null, 'a fresh lock of another host is respected');
    fs.writeFileSync(lockPath, JSON.stringify({ ...owner, since: Date.now() - STALE_AFTER_MS - 1000 }));
    const lock = CacheLock.tryAcquire(lockPath);
    assert.ok(lock);
    lock.release();
  });

  it('is waited for, saying so once', async () => {
    const lockPath = path.join(tmp, 'lock-d');
    const held = CacheLock.tryAcquire(lockPath)!;
    setTimeout(() => held.release(), 2500);
    const said: string[] = [];
    const lock = await CacheLock.acquire(lockPath, (m) => said.push(m));
    lock.release();
    assert.equal(said.length, 1);
    assert.match(said[0], new RegExp(`^waiting for the cache lock ${lockPath}, held by pid ${process.pid} on `));
  });
});

describe('runs at the same time on one cache', () => {
  function indexInChild(tree: string, cacheDir: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [CLI, 'index', tree, '--cache-dir', cacheDir, '--json', '-j', '1', '--no-progress'], { cwd: tmp });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it('two builds of one tree both succeed, and a third reads their cache without extracting', async () => {
    const cacheDir = path.join(tmp, 'concurrent-cache');
    const tree = copyTree(path.join(tmp, 'concurrent'));
    const runs = await Promise.all([indexInChild(tree, cacheDir), indexInChild(tree, cacheDir)]);
    for (const r of runs) {
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /damaged|internal error/);
    }
    const built = runs.map((r) => JSON.parse(r.stdout) as IndexBuild);
    assert.ok(built.every((b) => b.stats.files === built[0].stats.files && b.stats.files > 0));
    const third = await indexInChild(tree, cacheDir);
    assert.equal(third.status, 0, third.stderr);
    const stats = (JSON.parse(third.stdout) as IndexBuild).stats;
    assert.equal(stats.extracted, 0);
    assert.equal(stats.wrote, 'nothing');
    assert.equal(stats.files, built[0].stats.files);
    assert.deepEqual(stats.notices, []);
  });

  it('builds of different trees sharing the pack, six at once, leave every tree readable', async () => {
    const cacheDir = path.join(tmp, 'concurrent-many');
    const trees = [0, 1, 2, 3, 4, 5].map((i) => {
      const tree = copyTree(path.join(tmp, `many-${i}`));
      // Many files of its own per tree, so that the runs' writes to the shared pack are large enough to overlap.
      for (let f = 0; f < 150; f++) {
        const body = Array.from({ length: 20 }, (_, k) => `struct tree_${i}_file_${f}_s${k} { long member_${k}; };`).join('\n');
        fs.writeFileSync(path.join(tree, `mm/only-${i}-${f}.h`), `${body}\nint only_in_tree_${i}_${f};\n`);
      }
      return tree;
    });
    const runs = await Promise.all(trees.map((tree) => indexInChild(tree, cacheDir)));
    runs.forEach((r) => assert.equal(r.status, 0, r.stderr));
    for (const [i, tree] of trees.entries()) {
      const again = await buildIndex(tree, quietIndexOptions(cacheDir));
      assert.deepEqual(again.stats.notices, [], tree);
      assert.equal(again.stats.extracted, 0, tree);
      assert.equal(again.stats.wrote, 'nothing', tree);
      assert.deepEqual(lookupFiles(again, `o:only_in_tree_${i}_149`), [`mm/only-${i}-149.h:21`]);
      assert.deepEqual(lookupFiles(again, `o:only_in_tree_${(i + 1) % 6}_0`), []);
    }
    // Every tree's facts are in the pack, readable: a base rebuild of each extracts nothing.
    for (const tree of trees) {
      const table = (await buildIndex(tree, quietIndexOptions(cacheDir))).tablePath;
      fs.truncateSync(table, 10);
      const rebuilt = await buildIndex(tree, quietIndexOptions(cacheDir));
      assert.equal(rebuilt.stats.extracted, 0, tree);
      assert.equal(rebuilt.stats.notices.filter((n) => !/name table/.test(n)).length, 0, rebuilt.stats.notices.join('\n'));
    }
  });
});
