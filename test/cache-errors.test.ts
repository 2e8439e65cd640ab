// A cache directory that cannot be used is one line on stderr, naming the
// path and the reason, and exit 2, before any work: for every command that
// opens the type index.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CacheError, prepareCacheDir } from '../src/types/cache-dir';
import { REPO } from './support/fixtures';

const CLI = path.join(REPO, 'dist/src/cli.js');
const TREE = path.join(REPO, 'fixtures/types/tree');
const FILE = path.join(TREE, 'arch/x86/kvm/mmu/mmu.c');
const isRoot = process.getuid?.() === 0;

let tmp: string;

before(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-cache-errors-')));
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function run(args: string[]): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  // A hang would be the bug: the timeout turns it into a failure with a null status.
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}

/** Every command that opens the index, with this cache directory. */
function commandsWith(cacheDir: string): string[][] {
  const patch = path.join(tmp, 'empty.patch');
  fs.writeFileSync(
    patch,
    ['--- a/arch/x86/kvm/mmu/mmu.c', '+++ b/arch/x86/kvm/mmu/mmu.c', '@@ -1,1 +1,2 @@', ` ${fs.readFileSync(FILE, 'utf8').split('\n')[0]}`, '+/* one more line */', ''].join('\n'),
  );
  return [
    ['scan', FILE, '-r', 'seqcount-truncation'],
    ['diff', patch, '--tree', TREE, '-r', 'seqcount-truncation'],
    ['index', TREE],
    ['type', `${FILE}:1:1`],
    ['type-stats', FILE],
  ].map((args) => [...args, '--cache-dir', cacheDir, '--no-progress']);
}

function assertOneLineError(cacheDir: string, reason: RegExp): void {
  for (const args of commandsWith(cacheDir)) {
    const r = run(args);
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `${args[0]}: one line, got ${r.stderr}`);
    assert.ok(lines[0].startsWith(`patch-audit: cache directory ${cacheDir}: `), `${args[0]}: ${lines[0]}`);
    assert.match(lines[0], reason, args[0]);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(r.stdout, '', `${args[0]}: nothing analysed`);
  }
}

describe('unusable cache directories', () => {
  it('a path in /proc, where mkdir fails with ENOENT: no endless mkdir loop', () => {
    assertOneLineError('/proc/patch-audit-forbidden/cache', /cannot create \/proc\/patch-audit-forbidden: .*ENOENT/);
  });

  it('a cache directory below a regular file', () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    assertOneLineError(path.join(file, 'cache'), new RegExp(`${file} is not a directory`));
  });

  it('a cache directory that is a regular file', () => {
    const file = path.join(tmp, 'cache-is-a-file');
    fs.writeFileSync(file, 'x');
    assertOneLineError(file, /: not a directory$/);
  });

  it('a missing parent that cannot be created (a read-only folder above)', (t) => {
    if (isRoot) return t.skip('root writes into a mode 0555 folder all the same');
    const locked = path.join(tmp, 'locked');
    fs.mkdirSync(locked, { mode: 0o555 });
    assertOneLineError(path.join(locked, 'a/b'), new RegExp(`cannot create ${locked}/a: permission denied \\(EACCES\\)`));
  });

  it('a folder nobody may create files in, not even root (immutable)', (t) => {
    if (!isRoot) return t.skip('chattr +i needs root');
    const immutable = path.join(tmp, 'immutable');
    fs.mkdirSync(immutable);
    if (spawnSync('chattr', ['+i', immutable]).status !== 0) return t.skip('chattr +i is not supported here');
    try {
      assertOneLineError(immutable, /cannot create files in it: operation not permitted \(EPERM\)/);
    } finally {
      spawnSync('chattr', ['-i', immutable]);
    }
  });

  it('answers within a second of its own work', () => {
    const started = process.hrtime.bigint();
    assert.throws(() => prepareCacheDir('/proc/patch-audit-forbidden/x'), CacheError);
    assert.ok(Number(process.hrtime.bigint() - started) / 1e9 < 1, 'prepareCacheDir returns at once');
  });
});

describe('a usable cache directory', () => {
  it('is created with its missing parents, and may already exist', () => {
    const dir = path.join(tmp, 'new/deep/cache');
    assert.equal(prepareCacheDir(dir), dir);
    assert.ok(fs.statSync(dir).isDirectory());
    assert.equal(prepareCacheDir(dir), dir);
    assert.deepEqual(fs.readdirSync(dir), [], 'the probe file is gone');
  });

  it('is made absolute', () => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      assert.equal(prepareCacheDir('relative-cache'), path.join(tmp, 'relative-cache'));
    } finally {
      process.chdir(cwd);
    }
  });
});

describe('a cache that stops being writable during a run', () => {
  it('is one line naming the file and the reason, exit 2, no stack trace', (t) => {
    if (!isRoot) return t.skip('chattr +i needs root');
    const cacheDir = path.join(tmp, 'becomes-immutable');
    const tree = path.join(tmp, 'tree-for-immutable');
    fs.cpSync(TREE, tree, { recursive: true });
    const first = run(['index', tree, '--cache-dir', cacheDir, '--json', '--no-progress']);
    assert.equal(first.status, 0, first.stderr);
    const treeDirectory = path.dirname((JSON.parse(first.stdout) as { tablePath: string }).tablePath);
    fs.appendFileSync(path.join(tree, 'mm/conversions.c'), '\nint one_more_global;\n');
    if (spawnSync('chattr', ['+i', treeDirectory]).status !== 0) return t.skip('chattr +i is not supported here');
    try {
      const r = run(['index', tree, '--cache-dir', cacheDir, '--no-progress']);
      assert.equal(r.status, 2, r.stderr);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`^patch-audit: cache ${cacheDir}/index-[0-9a-f]{40}: cannot update ${treeDirectory}/\\S+: operation not permitted \\(EPERM\\)$`));
    } finally {
      spawnSync('chattr', ['-i', treeDirectory]);
    }
    const after = run(['index', tree, '--cache-dir', cacheDir, '--json', '--no-progress']);
    assert.equal(after.status, 0, after.stderr);
    const stats = (JSON.parse(after.stdout) as { stats: { extracted: number; wrote: string } }).stats;
    assert.equal(stats.wrote, 'delta', 'the next run finishes the job');
    assert.equal(stats.extracted, 0, 'with the facts the failed run put in the pack');
  });
});
