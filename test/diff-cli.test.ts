// `patch-audit diff` end to end: series, standard input, git ranges, patches
// that do not apply, hostile paths, binary sections, and no tree at all.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './support/fixtures';
import { parseValidSarif } from './support/sarif-check';
import { commitAll, diffBetween, email, initRepository, tempDir, writeFiles } from './support/patches';
import { GUP_PROTOTYPE } from './support/gup-prototype';
import { FAULT_USER, faultHeader } from './support/kvm-fault-files';

const CLI = path.join(REPO, 'dist/src/cli.js');
const RULE = 'ignored-fault-error';

function run(args: string[], cwd: string, input?: string): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'diff', '-r', RULE, '--no-index', ...args], { cwd, encoding: 'utf8', input });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[], cwd: string, input?: string) {
  const r = run([...args, '-f', 'json'], cwd, input);
  return { status: r.status, stderr: r.stderr, report: JSON.parse(r.stdout) as DiffJson };
}

interface DiffJson {
  partial: boolean;
  patches: {
    subject: string;
    status: string;
    summary: { introduced: number; fixed: number };
    findings: { state: string; ruleId: string; patchLine?: number; location: { file: string; line: number } }[];
    problems: { kind: string; file?: string; hunk?: number; reason: string }[];
  }[];
  problems: { kind: string; reason: string }[];
}


/** A function that pins a page, with the result checked or dropped. */
function pinner(name: string, checked: boolean): string {
  const call = 'get_user_pages_remote(mm, addr, 1, 0, NULL, NULL, NULL);';
  const body = checked ? `\tlong pinned;\n\n\tpinned = ${call}\n\tif (pinned < 1)\n\t\treturn -14;\n` : `\t${call}\n`;
  return `\nint ${name}(struct mm_struct *mm, unsigned long addr)\n{\n${body}\treturn 0;\n}\n`;
}

const CHECKED = GUP_PROTOTYPE + pinner('demo_pin', true);
const DROPPED = GUP_PROTOTYPE + pinner('demo_pin', false);

let tree: string;
let work: string;

before(() => {
  tree = tempDir('tree');
  work = tempDir('work');
  writeFiles(tree, { 'mm/pin.c': CHECKED, 'mm/other.c': GUP_PROTOTYPE + pinner('other_pin', true) });
});

after(() => {
  fs.rmSync(tree, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

function save(name: string, text: string): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, text);
  return file;
}

describe('diff: a patch against a tree', () => {
  it('reports the finding a patch introduces, on its added line, and exits 1', () => {
    const patch = save('bad.patch', email('[PATCH] mm: simplify demo_pin', diffBetween({ 'mm/pin.c': CHECKED }, { 'mm/pin.c': DROPPED })));
    const r = run([patch, '--tree', tree], work);
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /\[PATCH\] mm: simplify demo_pin/);
    assert.match(r.stdout, /#\d+: FILE: mm\/pin\.c:\d+:/);
    assert.match(r.stdout, /^\+\tget_user_pages_remote\(mm, addr, 1, 0, NULL, NULL, NULL\);$/m);
    assert.match(r.stdout, /^1 introduced, 0 fixed$/m);
  });

  it('reports the finding a patch fixes, on the pre-image, and exits 0', () => {
    const fixTree = tempDir('fixtree');
    try {
      writeFiles(fixTree, { 'mm/pin.c': DROPPED });
      const patch = save('fix.patch', email('[PATCH] mm: check the pin', diffBetween({ 'mm/pin.c': DROPPED }, { 'mm/pin.c': CHECKED })));
      const { status, report } = json([patch, '--tree', fixTree], work);
      assert.equal(status, 0);
      const [audit] = report.patches;
      assert.deepEqual(audit.summary, { introduced: 0, fixed: 1, existing: 0 });
      const [fixed] = audit.findings;
      assert.equal(fixed.state, 'fixed');
      assert.equal(fixed.location.line, GUP_PROTOTYPE.split('\n').length + 3, 'the pre-image line of the dropped call');
    } finally {
      fs.rmSync(fixTree, { recursive: true, force: true });
    }
  });

  it('matches findings by fingerprint: code that only moves is neither introduced nor fixed', () => {
    const dropped = GUP_PROTOTYPE + pinner('demo_pin', false);
    const moved = GUP_PROTOTYPE + '\n/* a comment that pushes everything down */\n\n' + pinner('demo_pin', false);
    const movedTree = tempDir('moved');
    try {
      writeFiles(movedTree, { 'mm/pin.c': dropped });
      const patch = save('move.patch', diffBetween({ 'mm/pin.c': dropped }, { 'mm/pin.c': moved }));
      const { status, report } = json([patch, '--tree', movedTree, '--show-existing'], work);
      assert.equal(status, 0);
      assert.deepEqual(report.patches[0].summary, { introduced: 0, fixed: 0, existing: 0 }, 'the moved function has no changed line: not shown');
    } finally {
      fs.rmSync(movedTree, { recursive: true, force: true });
    }
  });

  it('audits an mbox series in order: patch 2 applies on top of patch 1', () => {
    const step1 = CHECKED.replace('int demo_pin', 'static int demo_pin');
    const step2 = DROPPED.replace('int demo_pin', 'static int demo_pin');
    const mbox =
      email('[PATCH 1/2] mm: make demo_pin static', diffBetween({ 'mm/pin.c': CHECKED }, { 'mm/pin.c': step1 })) +
      email('[PATCH 2/2] mm: stop checking the pin', diffBetween({ 'mm/pin.c': step1 }, { 'mm/pin.c': step2 }));
    const { status, report, stderr } = json([save('series.mbox', mbox), '--tree', tree], work);
    assert.equal(status, 1, stderr);
    assert.deepEqual(
      report.patches.map((p) => [p.subject, p.status, p.summary.introduced]),
      [
        ['[PATCH 1/2] mm: make demo_pin static', 'audited', 0],
        ['[PATCH 2/2] mm: stop checking the pin', 'audited', 1],
      ],
    );
    assert.equal(fs.readFileSync(path.join(tree, 'mm/pin.c'), 'utf8'), CHECKED, 'the tree on disk is never written');
  });

  it('reads the patch from standard input', () => {
    const patch = diffBetween({ 'mm/pin.c': CHECKED }, { 'mm/pin.c': DROPPED });
    const { status, report } = json(['-', '--tree', tree], work, patch);
    assert.equal(status, 1);
    assert.equal(report.patches[0].summary.introduced, 1);
    assert.equal(report.patches[0].findings[0].location.file, 'mm/pin.c');
  });
});

describe('diff: patches that do not apply', () => {
  it('names the patch, the file and the hunk of a context mismatch, audits the rest of the series, and exits 2', () => {
    const elsewhere = CHECKED.replace('return -14;', 'return -22;');
    const mismatching = diffBetween({ 'mm/pin.c': elsewhere }, { 'mm/pin.c': elsewhere.replace('if (pinned < 1)', 'if (pinned <= 0)') });
    const independent = diffBetween({ 'mm/other.c': GUP_PROTOTYPE + pinner('other_pin', true) }, { 'mm/other.c': GUP_PROTOTYPE + pinner('other_pin', false) });
    const mbox = email('[PATCH 1/2] mm: tweak the check', mismatching) + email('[PATCH 2/2] mm: drop the other check', independent);
    const { status, report } = json([save('mismatch.mbox', mbox), '--tree', tree], work);
    assert.equal(status, 2);
    const [first, second] = report.patches;
    assert.equal(first.status, 'not-applied');
    assert.equal(first.problems[0].kind, 'context-mismatch');
    assert.equal(first.problems[0].file, 'mm/pin.c');
    assert.equal(first.problems[0].hunk, 1);
    assert.match(first.problems[0].reason, /hunk 1 .* does not match 'mm\/pin\.c': line \d+ is 'return -14;', the patch expects 'return -22;'/);
    assert.equal(second.status, 'audited');
    assert.equal(second.summary.introduced, 1);
  });

  it('recognises a patch that is already applied', () => {
    const patch = save('again.patch', diffBetween({ 'mm/pin.c': DROPPED }, { 'mm/pin.c': CHECKED }));
    const r = run([patch, '--tree', tree], work);
    assert.equal(r.status, 2);
    assert.match(r.stdout, /already applied, or a reversed patch/);
    assert.match(r.stdout, /mm\/pin\.c/);
  });

  it('reports a missing file', () => {
    const patch = save('missing.patch', diffBetween({ 'mm/gone.c': CHECKED }, { 'mm/gone.c': DROPPED }));
    const { status, report } = json([patch, '--tree', tree], work);
    assert.equal(status, 2);
    assert.equal(report.patches[0].problems[0].kind, 'missing-file');
    assert.match(report.patches[0].problems[0].reason, /'mm\/gone\.c' is not in the tree/);
  });
});

describe('diff: a patch is data', () => {
  it('refuses paths that leave the tree (a/../, absolute) and reads nothing outside it', () => {
    const traversal = [
      'diff --git a/../../etc/passwd b/../../etc/passwd',
      '--- a/../../etc/passwd',
      '+++ b/../../etc/passwd',
      '@@ -1 +1 @@',
      '-root:x:0:0:root:/root:/bin/bash',
      '+root::0:0:root:/root:/bin/bash',
      '',
    ].join('\n');
    const { status, report } = json([save('traversal.patch', traversal), '--tree', tree], work);
    assert.equal(status, 2);
    const problems = [...report.problems, ...report.patches.flatMap((p) => p.problems)];
    assert.ok(problems.some((p) => p.kind === 'unsafe-path' && /leaves the tree/.test(p.reason)), JSON.stringify(problems));
  });

  it('refuses a file reached through a symlink that leaves the tree', () => {
    const outside = tempDir('outside');
    const linked = tempDir('linked');
    try {
      writeFiles(outside, { 'pin.c': CHECKED });
      fs.symlinkSync(outside, path.join(linked, 'mm'));
      const patch = save('symlink.patch', diffBetween({ 'mm/pin.c': CHECKED }, { 'mm/pin.c': DROPPED }));
      const { status, report } = json([patch, '--tree', linked], work);
      assert.equal(status, 2);
      const [problem] = report.patches[0].problems;
      assert.equal(problem.kind, 'unsafe-path');
      assert.match(problem.reason, /symlink .* outside the tree/);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
      fs.rmSync(linked, { recursive: true, force: true });
    }
  });

  it('skips a binary section with a message and audits the text files of the same patch', () => {
    const blob = Buffer.from([0, 1, 2, 3, 255, 254, 0, 7, 8, 9]);
    const patch = diffBetween({ 'mm/pin.c': CHECKED, 'firmware/blob.bin': null }, { 'mm/pin.c': DROPPED, 'firmware/blob.bin': blob });
    assert.match(patch, /GIT binary patch/);
    const { status, report } = json([save('binary.patch', patch), '--tree', tree], work);
    assert.equal(status, 1, 'the binary part is skipped, not an error; the text part introduces a finding');
    const [audit] = report.patches;
    assert.equal(audit.summary.introduced, 1);
    assert.ok(audit.problems.some((p) => p.kind === 'binary' && p.file === 'firmware/blob.bin'), JSON.stringify(audit.problems));
  });

  it('says what is wrong with input that is not a patch', () => {
    const garbage = save('garbage.patch', 'hello\nthis is not a patch\n');
    const r = run([garbage, '--tree', tree], work);
    assert.equal(r.status, 2);
    assert.match(r.stdout + r.stderr, /garbage\.patch/);
    const missing = run([path.join(work, 'no-such.patch'), '--tree', tree], work);
    assert.equal(missing.status, 2);
    assert.match(missing.stdout, /no-such\.patch.*no such file|no such file.*no-such\.patch/s);
  });
});

describe('diff: without a tree', () => {
  it('audits the hunks alone, says the audit is partial, and still finds the bug on an added line', () => {
    const patch = save('notree.patch', email('[PATCH] mm: simplify demo_pin', diffBetween({ 'mm/pin.c': CHECKED }, { 'mm/pin.c': DROPPED })));
    const { status, report } = json([patch], work);
    assert.equal(report.partial, true);
    assert.equal(status, 1);
    const [finding] = report.patches[0].findings;
    assert.equal(finding.state, 'introduced');
    assert.equal(finding.location.line, GUP_PROTOTYPE.split('\n').length + 3);
    const text = run([patch], work);
    assert.match(text.stdout, /partial/);
  });
});

describe('diff: a header change reaches the files that use it', () => {
  const header = faultHeader;
  const user = FAULT_USER;

  it('a header-only patch introduces the truncation in a .c file it does not touch, found through the index', () => {
    const headerTree = tempDir('header');
    const cache = tempDir('cache');
    try {
      writeFiles(headerTree, { 'kvm/fault.h': header('unsigned long'), 'kvm/user.c': user, 'kvm/unrelated.c': 'int unrelated;\n' });
      const patch = save('header.patch', diffBetween({ 'kvm/fault.h': header('unsigned long') }, { 'kvm/fault.h': header('int') }));
      const r = spawnSync(process.execPath, [CLI, 'diff', patch, '-r', 'seqcount-truncation', '--tree', headerTree, '--cache-dir', cache, '-f', 'json'], { cwd: work, encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      const report = JSON.parse(r.stdout) as DiffJson;
      const [finding] = report.patches[0].findings;
      assert.equal(finding.state, 'introduced');
      assert.equal(finding.location.file, 'kvm/user.c');
      assert.equal(finding.location.line, 10);
      assert.equal(finding.patchLine, undefined, 'not a line of the patch');
    } finally {
      fs.rmSync(headerTree, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('diff --git', () => {
  it('audits each commit of a range against its parent', () => {
    const repository = tempDir('repo');
    try {
      initRepository(repository);
      writeFiles(repository, { 'mm/pin.c': CHECKED });
      const base = commitAll(repository, 'mm: add demo_pin');
      writeFiles(repository, { 'mm/pin.c': DROPPED });
      commitAll(repository, 'mm: stop checking the pin');
      writeFiles(repository, { 'mm/pin.c': CHECKED });
      commitAll(repository, 'mm: check the pin again');
      const { status, report, stderr } = json(['--git', `${base}..HEAD`], repository);
      assert.equal(status, 1, stderr);
      assert.deepEqual(
        report.patches.map((p) => [p.subject, p.summary.introduced, p.summary.fixed]),
        [
          ['[PATCH] mm: stop checking the pin', 1, 0],
          ['[PATCH] mm: check the pin again', 0, 1],
        ],
      );
      const bad = run(['--git', '--output=/tmp/x'], repository);
      assert.equal(bad.status, 2, 'a range that looks like an option is refused');
    } finally {
      fs.rmSync(repository, { recursive: true, force: true });
    }
  });
});

describe('diff: checkpatch form and SARIF for code scanning, end to end', () => {
  const fixturePatch = 'fixtures/ignored-fault-error/bad-page-ready-error-dropped.patch';
  const fixtureTree = 'fixtures/ignored-fault-error';

  function cli(args: string[], input?: string) {
    const r = spawnSync(process.execPath, [CLI, 'diff', ...args], { cwd: REPO, encoding: 'utf8', input });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('reads a patch on standard input with -f checkpatch --terse --no-summary, as b4 runs checkpatch', () => {
    const r = cli(['-', '--tree', fixtureTree, '-f', 'checkpatch', '--terse', '--no-summary'], fs.readFileSync(path.join(REPO, fixturePatch), 'utf8'));
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stdout);
    assert.match(lines[0]!, /^good-async-pf-errors-handled\.c:\d+: WARNING:IGNORED_FAULT_ERROR: kvm_mmu_do_page_fault\(\) can fail/);
  });

  it('--terse alone means the checkpatch form, and ends each patch with checkpatch\'s total line', () => {
    const r = cli([fixturePatch, '--tree', fixtureTree, '--terse']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^total: 0 errors, 1 warnings, \d+ lines checked$/m);
    assert.equal(cli([fixturePatch, '--tree', fixtureTree, '--terse', '-f', 'json']).status, 2, '--terse is not a JSON form');
  });

  it('puts the partial-audit notice on standard error, not in the report', () => {
    const r = cli([fixturePatch, '-f', 'checkpatch']);
    assert.doesNotMatch(r.stdout, /partial audit/);
    assert.match(r.stderr, /^patch-audit: warning: partial audit: no kernel tree, only the hunks were analysed \(use --tree DIR\)$/m);
  });

  it('keeps a fixed finding out of SARIF results unless --sarif-include-fixed, then as a pass', () => {
    // The fixture folder holds unfixed siblings of the fixed finding (test/diff-siblings.test.ts): their note results are not under test here.
    const args = ['fixtures/zero-page-refcount/good-reserved-pfn-excepts-zero-page.patch', '--tree', 'fixtures/zero-page-refcount', '-f', 'sarif', '--no-siblings'];
    const plain = cli(args);
    assert.equal(plain.status, 0, plain.stderr);
    assert.deepEqual(parseValidSarif(plain.stdout).runs[0]!.results, []);
    const withFixed = cli([...args, '--sarif-include-fixed', '--sarif-category', 'stable/backports']);
    const run = parseValidSarif(withFixed.stdout).runs[0]!;
    assert.deepEqual(
      run.results!.map((result) => [result.ruleId, result.kind, result.level, result.baselineState]),
      [['zero-page-refcount', 'pass', 'none', 'absent']],
    );
    assert.deepEqual(run.automationDetails, { id: 'stable/backports/' });
    const rule = run.tool.driver.rules!.find((descriptor) => descriptor.id === 'zero-page-refcount')!;
    assert.equal(rule.helpUri, `file://${path.join(REPO, 'rules', 'zero-page-refcount.md')}`);
    assert.equal(rule.properties!['security-severity'], '8.0');
    const published = parseValidSarif(cli([...args, '--sarif-help-uri', 'https://example.org/patch-audit/rules']).stdout).runs[0]!;
    const helpUris = published.tool.driver.rules!.map((descriptor) => descriptor.helpUri);
    assert.ok(helpUris.includes('https://example.org/patch-audit/rules/zero-page-refcount.md'), helpUris.join(' '));
  });
});
