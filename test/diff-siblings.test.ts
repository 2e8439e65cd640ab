// Unfixed siblings: a patch fixes one finding; the same rule and key elsewhere
// in the tree, after the patch, are named as its siblings. One tree per rule
// family (a dropped result, a narrowed member, a page rule), each with a file
// that looks alike but is not a sibling.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auditPatches, diffNotices, type AuditOptions } from '../src/commands/diff';
import type { AuditedFinding, DiffResult } from '../src/diff/model';
import { buildDiffJson } from '../src/report/diff-json';
import { renderDiffText } from '../src/report/diff-text';
import { renderDiffSarif } from '../src/report/diff-sarif';
import { parseValidSarif } from './support/sarif-check';
import { FIXTURES, REPO } from './support/fixtures';
import { commitAll, diffBetween, git, initRepository, tempDir, writeFiles, type FileSet } from './support/patches';
import { GUP_PROTOTYPE } from './support/gup-prototype';
import { testAuditOptions } from './support/audit-options';

const CLI = path.join(REPO, 'dist/src/cli.js');

let cacheDir: string;
let work: string;

before(() => {
  cacheDir = tempDir('sibling-cache');
  work = tempDir('sibling-work');
});

after(() => {
  fs.rmSync(cacheDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

/** A tree with `files`, and a patch taking `fixed` files to their new text. */
function treeAndPatch(name: string, files: FileSet, fixed: FileSet): { tree: string; patch: string } {
  const tree = path.join(work, name);
  writeFiles(tree, files);
  const patch = path.join(work, `${name}.patch`);
  fs.writeFileSync(patch, diffBetween(files, { ...files, ...fixed }));
  return { tree, patch };
}

async function audit(tree: string, patch: string, ruleId: string, extra: Partial<AuditOptions> = {}): Promise<DiffResult> {
  return auditPatches(testAuditOptions({ patches: [patch], tree, rules: [ruleId], cacheDir, ...extra }));
}

function fixedOf(result: DiffResult): AuditedFinding[] {
  return result.patches[0]!.findings.filter((f) => f.state === 'fixed');
}

function siblingPlaces(fixed: AuditedFinding): string[] {
  return (fixed.siblings?.findings ?? []).map((f) => `${f.location.file}:${f.location.line}`);
}

/** A function calling get_user_pages_remote(), its result checked or dropped. */
function pinner(name: string, checked: boolean): string {
  const call = 'get_user_pages_remote(mm, addr, 1, 0, NULL, NULL, NULL);';
  const body = checked ? `\tlong pinned;\n\n\tpinned = ${call}\n\tif (pinned < 1)\n\t\treturn -14;\n` : `\t${call}\n`;
  return `\nint ${name}(struct mm_struct *mm, unsigned long addr)\n{\n${body}\treturn 0;\n}\n`;
}

describe('diff: unfixed siblings of a dropped result (ignored-fault-error)', () => {
  let tree: string;
  let patch: string;

  before(() => {
    ({ tree, patch } = treeAndPatch(
      'dropped',
      {
        'mm/pin.c': GUP_PROTOTYPE + pinner('demo_pin', false),
        'mm/other.c': GUP_PROTOTYPE + pinner('checked_pin', true) + pinner('other_pin', false),
        'mm/checked.c': GUP_PROTOTYPE + pinner('careful_pin', true),
        // Drops a result too, of another callee: another key.
        'mm/unrelated.c': GUP_PROTOTYPE + 'long pin_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long nr_pages);\n\nint loose(struct mm_struct *mm)\n{\n\tpin_user_pages_remote(mm, 0, 1);\n\treturn 0;\n}\n',
      },
      { 'mm/pin.c': GUP_PROTOTYPE + pinner('demo_pin', true) },
    ));
  });

  it('names the same dropped call in another file as the fixed finding\'s unfixed sibling, and only it', async () => {
    const result = await audit(tree, patch, 'ignored-fault-error');
    const [fixed] = fixedOf(result);
    assert.equal(fixed!.finding.location.file, 'mm/pin.c');
    assert.deepEqual(fixed!.finding.siblingKey?.calls, ['get_user_pages_remote']);
    assert.deepEqual(siblingPlaces(fixed!), ['mm/other.c:21']);
    assert.equal(fixed!.siblings!.complete, true);
    // From the index: only other.c drops the callee's result; checked.c and unrelated.c are never analysed, nor the fixed pin.c.
    assert.deepEqual(result.patches[0]!.siblingSearch, { candidates: 1, searched: 1, complete: true });
  });

  it('reports them after the patch\'s findings in text, as a field in JSON and as a note with related locations in SARIF', async () => {
    const result = await audit(tree, patch, 'ignored-fault-error');
    const text = renderDiffText(result);
    assert.match(text, /^SIBLINGS:IGNORED_FAULT_ERROR: 1 unfixed sibling of the finding fixed at mm\/pin\.c:\d+ \(pre-image lines\)$/m);
    assert.match(text, /^ {4}why they match: the same rule, and like the fixed one they drop the result of get_user_pages_remote\(\)$/m);
    assert.match(text, /^ {4}mm\/other\.c:21: in other_pin\(\): get_user_pages_remote\(\) can fail/m);
    assert.ok(text.indexOf('FIXED:') < text.indexOf('SIBLINGS:'), 'after the findings');

    const json = buildDiffJson(result, { toolVersion: 'test' });
    const record = json.patches[0]!.findings.find((f) => f.state === 'fixed')!;
    assert.equal(record.unfixedSiblings!.count, 1);
    assert.equal(record.unfixedSiblings!.siblings[0]!.location.file, 'mm/other.c');
    assert.match(record.unfixedSiblings!.siblings[0]!.reason, /^same rule and key \(get_user_pages_remote\(\)\) as the fixed finding: both drop the result of get_user_pages_remote\(\)$/);

    // Valid SARIF 2.1.0 (the schema), with the note beside the run's other results.
    const sarif = parseValidSarif(renderDiffSarif(result, { toolVersion: 'test', cwd: tree }));
    const notes = sarif.runs[0]!.results!.filter((r) => r.level === 'note');
    assert.equal(notes.length, 1);
    assert.equal(notes[0]!.ruleId, 'ignored-fault-error');
    assert.equal(notes[0]!.locations![0]!.physicalLocation!.artifactLocation!.uri, 'mm/other.c');
    assert.deepEqual(notes[0]!.relatedLocations!.map((l) => l.physicalLocation!.region!.startLine), [21]);
  });

  it('does not search with --no-siblings, nor without the tree\'s index', async () => {
    const off = await audit(tree, patch, 'ignored-fault-error', { siblings: false });
    assert.equal(fixedOf(off)[0]!.siblings, undefined);
    assert.equal(off.patches[0]!.siblingSearch, undefined);
    const noIndex = await audit(tree, patch, 'ignored-fault-error', { index: false });
    assert.equal(fixedOf(noIndex)[0]!.siblings, undefined);
    await assert.rejects(audit(tree, patch, 'ignored-fault-error', { index: false, siblings: true }), /--siblings needs a tree and its type index/);
  });

  it('stops at the time bound, says so on standard error, and marks the list incomplete', async () => {
    const result = await audit(tree, patch, 'ignored-fault-error', { siblingSeconds: 1e-9 });
    const [fixed] = fixedOf(result);
    assert.equal(fixed!.siblings!.complete, false);
    assert.deepEqual(result.patches[0]!.siblingSearch, { candidates: 1, searched: 0, complete: false });
    const notices = diffNotices(result);
    assert.ok(notices.some((n) => /^note: the search for unfixed siblings stopped at its time bound of 1e-9 s \(.*: 0 of 1 candidate files\); raise it with --siblings-time SECONDS$/.test(n)), notices.join('\n'));
  });
});

describe('diff: unfixed siblings of a narrowed member (seqcount-truncation)', () => {
  const header =
    '#ifndef DEMO_KVM_HOST_H\n#define DEMO_KVM_HOST_H\n\nstruct kvm {\n\tunsigned long mmu_invalidate_seq;\n\tunsigned long nr_memslot_pages;\n};\n\nvoid demo_work(struct kvm *kvm);\n\n#endif\n';
  /** A snapshot of a member in a local of `type`, compared with the member again (`unsigned long hva`: the rule's pre-filter wants a wide type named). */
  const snapshot = (name: string, type: string, member: string) =>
    `\nint ${name}(struct kvm *kvm, unsigned long hva)\n{\n\t${type} seq = kvm->${member};\n\n\tdemo_work(kvm);\n\treturn seq != kvm->${member};\n}\n`;
  const include = '#include <linux/kvm_host.h>\n';
  let tree: string;
  let patch: string;

  before(() => {
    ({ tree, patch } = treeAndPatch(
      'narrowed',
      {
        'include/linux/kvm_host.h': header,
        'arch/x86/kvm/mmu.c': include + snapshot('fault_is_stale', 'int', 'mmu_invalidate_seq'),
        'virt/kvm/kvm_main.c': include + snapshot('invalidated_since', 'int', 'mmu_invalidate_seq'),
        // Another member of the same struct narrowed the same way: another key.
        'virt/kvm/pages.c': include + snapshot('pages_changed', 'int', 'nr_memslot_pages'),
      },
      { 'arch/x86/kvm/mmu.c': include + snapshot('fault_is_stale', 'unsigned long', 'mmu_invalidate_seq') },
    ));
  });

  it('names the same member narrowed in another file, found through the header\'s includers', async () => {
    const result = await audit(tree, patch, 'seqcount-truncation');
    const [fixed] = fixedOf(result);
    assert.equal(fixed!.finding.location.file, 'arch/x86/kvm/mmu.c');
    assert.deepEqual(fixed!.finding.siblingKey, {
      id: 'struct kvm::mmu_invalidate_seq',
      reason: 'read struct kvm::mmu_invalidate_seq and narrow it',
      declared: { name: 'mmu_invalidate_seq', in: 'include/linux/kvm_host.h' },
    });
    assert.deepEqual(siblingPlaces(fixed!), ['virt/kvm/kvm_main.c:5']);
  });
});

describe('diff: unfixed siblings of a page rule (zero-page-refcount)', () => {
  it('names the other file of the fixture folder where PageReserved() decides put_page()', async () => {
    const dir = path.join(FIXTURES, 'zero-page-refcount');
    const result = await audit(dir, path.join(dir, 'good-reserved-pfn-excepts-zero-page.patch'), 'zero-page-refcount', { minConfidence: 'medium', siblings: true });
    const [fixed] = fixedOf(result);
    assert.equal(fixed!.finding.location.file, 'bad-reserved-pfn-skips-zero-page.c');
    assert.equal(fixed!.finding.siblingKey?.id, 'PageReserved(), put_page()');
    assert.deepEqual(siblingPlaces(fixed!), ['bad-reserved-page-forgotten-before-put.c:41']);
  });
});

describe('patch-audit siblings', () => {
  it('takes a commit of the tree\'s repository that does not apply to the working tree: its hunks say what it fixes, the tree is searched as it is', () => {
    const repo = path.join(work, 'repo');
    fs.mkdirSync(repo);
    initRepository(repo);
    writeFiles(repo, { 'mm/pin.c': GUP_PROTOTYPE + pinner('demo_pin', false), 'mm/other.c': GUP_PROTOTYPE + pinner('other_pin', false) });
    commitAll(repo, 'base');
    git(repo, ['checkout', '-q', '-b', 'upstream']);
    writeFiles(repo, { 'mm/pin.c': GUP_PROTOTYPE + pinner('demo_pin', true) });
    commitAll(repo, 'mm: check what demo_pin pinned');
    git(repo, ['checkout', '-q', 'main']);
    // The stable branch moved on: the upstream hunk's context no longer matches.
    writeFiles(repo, { 'mm/pin.c': GUP_PROTOTYPE + pinner('demo_pin', false).replace('{\n', '{\n\t/* pin one page */\n') });
    commitAll(repo, 'mm: comment demo_pin');
    const r = spawnSync(process.execPath, [CLI, 'siblings', '--git', 'upstream', '-r', 'ignored-fault-error', '--cache-dir', cacheDir, '--no-progress', '-f', 'json'], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /the fix does not apply to this tree, so its hunks were read alone and the tree searched as it is/);
    const [patch] = JSON.parse(r.stdout).patches;
    assert.equal(patch.findings.length, 1);
    assert.equal(patch.findings[0].state, 'fixed');
    // The site the fix is about is still there in this tree, and so is the other one.
    assert.deepEqual(patch.findings[0].unfixedSiblings.siblings.map((f: { location: { file: string } }) => f.location.file), ['mm/other.c', 'mm/pin.c']);
  });

  it('lists only the unfixed siblings of a fix that applies to the tree, and exits 1 as they are warnings or worse', () => {
    const dir = path.join(FIXTURES, 'zero-page-refcount');
    const args = [CLI, 'siblings', path.join(dir, 'good-reserved-pfn-excepts-zero-page.patch'), '--tree', dir, '--cache-dir', cacheDir, '--no-progress'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /^SIBLINGS:ZERO_PAGE_REFCOUNT: 1 unfixed sibling of the finding fixed at bad-reserved-pfn-skips-zero-page\.c:43/m);
    assert.match(r.stdout, /^ {4}bad-reserved-page-forgotten-before-put\.c:41: in guest_frame_fault\(\)/m);
    assert.doesNotMatch(r.stdout, /^FIXED:/m, 'only the siblings');
  });
});
