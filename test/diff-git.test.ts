// `diff --git`: one git cat-file process per audit (counted through an
// injectable runner), types at each commit's parent rather than the working
// tree's, dependents chosen from the index before any text is read, and the
// same findings as the mbox route for the same commits.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// Our git runs must not depend on the machine's configuration (set before any git runs).
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

import { auditPatches, AuditOptions } from '../src/commands/diff';
import type { DiffResult } from '../src/diff/model';
import { GitObjectReader } from '../src/diff/git-objects';
import { createGitRunner, GitRunner } from '../src/diff/git-runner';
import { dependentFiles, MAX_DEPENDENTS } from '../src/diff/dependents';
import { commitAll, diffBetween, email, git, initRepository, tempDir, writeFiles } from './support/patches';
import { FAULT_USER, faultHeader } from './support/kvm-fault-files';
import { testAuditOptions } from './support/audit-options';

/** The system's git, with every process it starts counted, and the most alive at once. */
function countingRunner(): GitRunner & { spawned: string[]; alive: number; mostAlive: number } {
  const real = createGitRunner();
  const counter = {
    spawned: [] as string[],
    alive: 0,
    mostAlive: 0,
    run(cwd: string, args: readonly string[], input?: string): Buffer {
      counter.began(args);
      try {
        return real.run(cwd, args, input);
      } finally {
        counter.alive--;
      }
    },
    start(cwd: string, args: readonly string[]): ChildProcessWithoutNullStreams {
      counter.began(args);
      const child = real.start(cwd, args);
      child.on('close', () => counter.alive--);
      return child;
    },
    began(args: readonly string[]) {
      counter.spawned.push(args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? '?');
      counter.alive++;
      counter.mostAlive = Math.max(counter.mostAlive, counter.alive);
    },
  };
  return counter;
}

function options(extra: Partial<AuditOptions>): AuditOptions {
  return testAuditOptions({ gate: { config: false }, ...extra });
}

/** Per patch: its findings as comparable lines. */
function findingLines(result: DiffResult): string[] {
  return result.patches.flatMap((audit, i) =>
    audit.findings.map(({ state, finding: f }) => `${i + 1} ${state} ${f.ruleId} ${f.confidence} ${f.location.file}:${f.location.line}:${f.location.column} ${f.fingerprint} ${f.message}`),
  );
}

const header = faultHeader;
const user = FAULT_USER;

describe('git cat-file --batch behind a request queue', () => {
  let repository: string;
  before(() => {
    repository = tempDir('objects');
    initRepository(repository);
    const large = Buffer.alloc(300_000, 'x\n');
    writeFiles(repository, { 'a/one.c': 'int one;\n', 'a/empty.h': '', 'a/large.c': large, 'a/nul.bin': Buffer.from([1, 0, 10, 2]) });
    commitAll(repository, 'files');
  });
  after(() => fs.rmSync(repository, { recursive: true, force: true }));

  it('answers many requests in flight, in order, and tells files, missing paths and directories apart', async () => {
    const runner = countingRunner();
    const reader = new GitObjectReader(runner, repository);
    const names = ['HEAD:a/one.c', 'HEAD:a/none.c', 'HEAD:a', 'HEAD:a/empty.h', 'HEAD:a/large.c', 'HEAD:a/nul.bin', 'HEAD:a/one.c/x'];
    const answers = await Promise.all([...names, ...names].map((name) => reader.read(name)));
    await reader.close();
    const described = answers.map((a) => (a.kind === 'blob' ? `blob ${a.bytes.length}` : a.kind === 'other' ? a.type : a.kind));
    const once = ['blob 9', 'missing', 'tree', 'blob 0', 'blob 300000', 'blob 4', 'missing'];
    assert.deepEqual(described, [...once, ...once]);
    const [one, , , , large, nul] = answers;
    assert.equal(one.kind === 'blob' && one.bytes.toString(), 'int one;\n');
    assert.ok(large.kind === 'blob' && large.bytes.equals(Buffer.alloc(300_000, 'x\n')));
    assert.ok(nul.kind === 'blob' && nul.bytes.equals(Buffer.from([1, 0, 10, 2])));
    assert.deepEqual(runner.spawned, ['cat-file'], 'one process for all of them');
    assert.equal(runner.alive, 0, 'closed at the end');
  });

  it('refuses a name that would break the line protocol, and reports a process that is gone', async () => {
    const reader = new GitObjectReader(createGitRunner(), repository);
    await assert.rejects(reader.read('HEAD:a\nHEAD:b'), /line break/);
    const broken = new GitObjectReader(createGitRunner(), path.join(repository, 'no-such-folder'));
    await assert.rejects(broken.read('HEAD:a/one.c'), /git cat-file/);
    await broken.close();
  });
});

describe('diff --git', () => {
  let repository: string;
  let cache: string;
  let base: string;
  let audited: string;
  before(() => {
    repository = tempDir('git-range');
    cache = tempDir('git-range-cache');
    initRepository(repository);
    writeFiles(repository, { 'kvm/fault.h': header('int'), 'kvm/other.c': '#include "fault.h"\nint other;\n', 'kvm/old-name.c': 'int renamed_file;\n' });
    base = commitAll(repository, 'kvm: the fault header');
    // The audited commit: the snapshot code, truncating while mmu_seq is an int.
    writeFiles(repository, { 'kvm/user.c': user });
    audited = commitAll(repository, 'kvm: snapshot the invalidation counter');
    // A later commit widens the member: the working tree no longer has the bug's type.
    writeFiles(repository, { 'kvm/fault.h': header('unsigned long') });
    commitAll(repository, 'kvm: widen mmu_seq');
    git(repository, ['mv', 'kvm/old-name.c', 'kvm/new-name.c']);
    commitAll(repository, 'kvm: rename a file');
  });
  after(() => {
    fs.rmSync(repository, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('judges a commit by the types of its parent, not those of the working tree, and says so', async () => {
    const result = await auditPatches(options({ git: `${base}..${audited}`, tree: repository, rules: ['seqcount-truncation'], cacheDir: cache }));
    const [audit] = result.patches;
    assert.deepEqual(
      audit.findings.map((f) => [f.state, f.finding.location.file, f.finding.location.line]),
      [['introduced', 'kvm/user.c', 10]],
      'struct kvm_page_fault::mmu_seq is an int at the parent: the round trip truncates',
    );
    assert.match(audit.typesFrom ?? '', new RegExp(`^${base.slice(0, 12)}: the working tree's index with 4 files as at ${base.slice(0, 12)}$`), 'fault.h, user.c and the renamed file differ from the working tree');
  });

  it('runs at most one git process at a time, and one cat-file for the whole audit, however many commits', async () => {
    const counts: number[] = [];
    for (const range of [`${audited}^..${audited}`, `${base}..HEAD`]) {
      const runner = countingRunner();
      const result = await auditPatches(options({ git: range, tree: repository, rules: ['seqcount-truncation'], cacheDir: cache, gitRunner: runner }));
      assert.ok(result.patches.length >= 1);
      assert.equal(runner.mostAlive, 1, runner.spawned.join(' '));
      assert.equal(runner.spawned.filter((command) => command === 'cat-file').length, 1);
      assert.equal(runner.alive, 0, 'nothing left running');
      counts.push(runner.spawned.length);
    }
    assert.equal(counts[0], counts[1], 'one commit or three: the same processes');
  });

  it('finds what the mbox route finds for the same commits applied to a checkout of the base', async () => {
    const checkout = tempDir('git-range-base');
    const mbox = path.join(checkout, '..', `${path.basename(checkout)}.mbox`);
    try {
      fs.rmSync(checkout, { recursive: true });
      git(repository, ['worktree', 'add', '-q', '--detach', checkout, base]);
      fs.writeFileSync(mbox, git(repository, ['format-patch', '--stdout', '-M', `${base}..HEAD`]));
      const viaGit = await auditPatches(options({ git: `${base}..HEAD`, tree: repository, cacheDir: cache }));
      const viaMbox = await auditPatches(options({ patches: [mbox], tree: checkout, cacheDir: cache }));
      assert.equal(viaGit.patches.length, 3);
      assert.deepEqual(findingLines(viaGit), findingLines(viaMbox));
      assert.ok(findingLines(viaGit).length > 0, 'the comparison has findings to compare');
      assert.deepEqual(viaGit.patches.map((p) => p.status), ['audited', 'audited', 'audited']);
    } finally {
      git(repository, ['worktree', 'remove', '--force', checkout]);
      fs.rmSync(mbox, { force: true });
    }
  });
});

describe('dependent files: the index first, reading stops at the cap', () => {
  const changed = [{ path: 'include/wide.h', names: new Set(['wide_member', 'wide_call']) }];

  it('takes the callers the index knows first, reads no file past the cap, and counts what it left', async () => {
    const includers = Array.from({ length: 200 }, (_, i) => `drivers/d${String(i).padStart(3, '0')}.c`);
    const callers = ['drivers/d150.c', 'drivers/d199.c'];
    const read: string[] = [];
    const search = await dependentFiles(
      { includersOf: () => includers, filesCalling: (name) => (name === 'wide_call' ? callers : []) },
      changed,
      new Set(['drivers/d000.c']),
      async (file) => {
        read.push(file);
        return callers.includes(file) ? 'int f(void) { return wide_call(); }' : 'int g(struct s *p) { return p->wide_member; }';
      },
    );
    assert.equal(search.files.length, MAX_DEPENDENTS);
    assert.deepEqual(search.files.slice(0, 2).map((f) => f.path), callers, 'the index\'s callers come first');
    assert.equal(search.files[2].path, 'drivers/d001.c', 'then the other includers in path order; a touched file is not one');
    assert.equal(read.length, MAX_DEPENDENTS, 'no file is read past the cap');
    assert.deepEqual({ skipped: search.skipped, unexamined: search.unexamined }, { skipped: 0, unexamined: 199 - MAX_DEPENDENTS });
    assert.ok(!read.includes('drivers/d000.c'));
  });

  it('keeps only the includers whose text names a changed name, reading all of them when fewer than the cap do', async () => {
    const includers = ['a.c', 'b.c', 'c.c', 'd.c'];
    const texts: Record<string, string> = { 'a.c': 'int wide_membership;', 'b.c': 'x = p->wide_member;', 'c.c': 'int nothing;', 'd.c': 'wide_call();' };
    const search = await dependentFiles({ includersOf: () => includers, filesCalling: () => [] }, changed, new Set(), async (file) => texts[file]);
    assert.deepEqual(search.files.map((f) => f.path), ['b.c', 'd.c']);
    assert.deepEqual({ skipped: search.skipped, unexamined: search.unexamined }, { skipped: 0, unexamined: 0 });
  });
});

describe('dependent files: the include graph as the series left it', () => {
  it('reaches a file that an earlier patch of the series made include the changed header', async () => {
    const tree = tempDir('include-graph');
    const cache = tempDir('include-graph-cache');
    try {
      writeFiles(tree, { 'kvm/fault.h': header('int'), 'kvm/other.c': 'int other;\n' });
      const first = diffBetween({ 'kvm/other.c': 'int other;\n' }, { 'kvm/other.c': user });
      const second = diffBetween({ 'kvm/fault.h': header('int') }, { 'kvm/fault.h': header('unsigned long') });
      const mbox = path.join(tree, '..', `${path.basename(tree)}.mbox`);
      fs.writeFileSync(mbox, email('kvm: snapshot the counter', first) + email('kvm: widen mmu_seq', second));
      const result = await auditPatches(options({ patches: [mbox], tree, rules: ['seqcount-truncation'], cacheDir: cache }));
      fs.rmSync(mbox);
      assert.deepEqual(
        result.patches.map((audit) => audit.findings.map((f) => `${f.state} ${f.finding.location.file}:${f.finding.location.line}`)),
        [['introduced kvm/other.c:10'], ['fixed kvm/other.c:10']],
        'the index on disk has no #include in other.c; the series added one',
      );
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});
