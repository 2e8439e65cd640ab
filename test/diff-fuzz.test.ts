// `diff --fuzz N`: hunks whose context drifted apply by ignoring up to N context
// lines at each end, like patch -F and quilt; the report names each such hunk.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyHunks } from '../src/diff/apply';
import type { Hunk, HunkLine } from '../src/diff/model';
import { REPO } from './support/fixtures';
import { diffBetween, email, tempDir, writeFiles } from './support/patches';
import { GUP_PROTOTYPE } from './support/gup-prototype';

const CLI = path.join(REPO, 'dist/src/cli.js');

/** A hunk from its lines as a diff writes them (' ', '-', '+' first). */
function hunk(oldStart: number, lines: string[]): Hunk {
  const parsed: HunkLine[] = lines.map((line, i) => ({ kind: line[0] as HunkLine['kind'], text: line.slice(1), patchLine: 10 + i }));
  const oldLines = parsed.filter((line) => line.kind !== '+').length;
  const newLines = parsed.filter((line) => line.kind !== '-').length;
  return { number: 1, oldStart, oldLines, newStart: oldStart, newLines, header: `@@ -${oldStart},${oldLines} +${oldStart},${newLines} @@`, lines: parsed };
}

const ORIGINAL = ['a', 'b', 'c', 'd', 'old', 'e', 'f', 'g', 'h'];
// Three lines of context each side of the change, as diff -u writes them.
const CHANGE = hunk(2, [' b', ' c', ' d', '-old', '+new', ' e', ' f', ' g']);

function text(lines: string[]): string {
  return lines.join('\n') + '\n';
}

describe('applying hunks with fuzz', () => {
  it('refuses a hunk whose first context line drifted, without fuzz', () => {
    const drifted = text(['a', 'B', 'c', 'd', 'old', 'e', 'f', 'g', 'h']);
    const result = applyHunks(drifted, [CHANGE], 'x.c');
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.kind, 'context-mismatch');
  });

  it('applies it with fuzz 1, keeping the drifted line, and says so', () => {
    const drifted = text(['a', 'B', 'c', 'd', 'old', 'e', 'f', 'g', 'h']);
    const result = applyHunks(drifted, [CHANGE], 'x.c', 1);
    assert.ok(result.ok);
    assert.equal(result.text, text(['a', 'B', 'c', 'd', 'new', 'e', 'f', 'g', 'h']));
    assert.deepEqual(result.fuzzed.map((f) => [f.hunk, f.fuzz, f.ignoredLeading, f.ignoredTrailing]), [[1, 1, 1, 1]]);
    assert.match(result.fuzzed[0]!.reason, /^hunk 1 \(@@ -2,7 \+2,7 @@\) of 'x\.c' applied with fuzz 1: 1 context line at its start and 1 at its end ignored$/);
    assert.deepEqual([...result.changed.added], [[5, 14]], "the '+' line is line 5 of the new file");
  });

  it('needs fuzz 2 when two context lines drifted, at either end', () => {
    const twoAtStart = text(['a', 'B', 'C', 'd', 'old', 'e', 'f', 'g', 'h']);
    const twoAtEnd = text(['a', 'b', 'c', 'd', 'old', 'e', 'F', 'G', 'h']);
    for (const drifted of [twoAtStart, twoAtEnd]) {
      assert.equal(applyHunks(drifted, [CHANGE], 'x.c', 1).ok, false, 'fuzz 1 is not enough');
      const result = applyHunks(drifted, [CHANGE], 'x.c', 2);
      assert.ok(result.ok);
      assert.equal(result.text, drifted.replace('old', 'new'));
      assert.equal(result.fuzzed[0]!.fuzz, 2);
    }
  });

  it('finds a drifted hunk that also moved, and never ignores a changed line', () => {
    const movedAndDrifted = text(['x', 'y', 'a', 'B', 'c', 'd', 'old', 'e', 'f', 'g', 'h']);
    const result = applyHunks(movedAndDrifted, [CHANGE], 'x.c', 1);
    assert.ok(result.ok);
    assert.equal(result.text, movedAndDrifted.replace('old', 'new'));
    const removedLineDiffers = text(['a', 'b', 'c', 'd', 'OLD', 'e', 'f', 'g', 'h']);
    assert.equal(applyHunks(removedLineDiffers, [CHANGE], 'x.c', 3).ok, false);
  });

  it('applies an exact hunk without fuzz even when fuzz is allowed', () => {
    const result = applyHunks(text(ORIGINAL), [CHANGE], 'x.c', 2);
    assert.ok(result.ok);
    assert.deepEqual(result.fuzzed, []);
  });
});

// End to end: a patch made against one tree, applied to a tree whose context lines drifted.

function pinner(first: string, second: string, checked: boolean): string {
  const call = 'get_user_pages_remote(mm, addr, 1, 0, NULL, NULL, NULL);';
  const use = checked ? `\tpinned = ${call}\n\tif (pinned < 1)\n\t\treturn -14;\n` : `\t${call}\n`;
  return `${GUP_PROTOTYPE}
int demo_pin(struct mm_struct *mm, unsigned long addr)
{
	long pinned = 0;
	int retries = ${first};
	int budget = ${second};

${use}	return retries + budget + pinned;
}
`;
}

describe('diff --fuzz', () => {
  let work: string;
  let patch: string;

  before(() => {
    work = tempDir('fuzz');
    // Made against "retries = 1, budget = 2"; the hunk's leading context is those two lines and a blank one.
    const diff = diffBetween({ 'mm/pin.c': pinner('1', '2', true) }, { 'mm/pin.c': pinner('1', '2', false) });
    patch = path.join(work, 'drop-check.patch');
    fs.writeFileSync(patch, email('[PATCH] mm: drop the pin check', diff));
  });

  after(() => fs.rmSync(work, { recursive: true, force: true }));

  function treeWith(first: string, second: string): string {
    const tree = tempDir('fuzz-tree');
    writeFiles(tree, { 'mm/pin.c': pinner(first, second, true) });
    return tree;
  }

  function audit(tree: string, fuzz: string[]) {
    const args = [CLI, 'diff', patch, '--tree', tree, '--no-index', '-r', 'ignored-fault-error', '-f', 'json', ...fuzz];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, report: JSON.parse(r.stdout) };
  }

  for (const [drift, first, second] of [
    [1, '9', '2'],
    [2, '9', '5'],
  ] as const) {
    it(`applies a patch whose context drifted by ${drift} line${drift === 1 ? '' : 's'} with --fuzz ${drift}, and names the hunk`, () => {
      const tree = treeWith(first, second);
      try {
        const refused = audit(tree, []);
        assert.equal(refused.status, 2, 'the default is no fuzz, like git am');
        assert.equal(refused.report.patches[0].problems[0].kind, 'context-mismatch');
        if (drift === 2) assert.equal(audit(tree, ['--fuzz', '1']).status, 2, 'fuzz 1 is not enough for two lines');

        const fuzzed = audit(tree, ['--fuzz', String(drift)]);
        assert.equal(fuzzed.status, 1, fuzzed.stderr);
        const [result] = fuzzed.report.patches;
        assert.equal(result.status, 'audited');
        assert.deepEqual(result.summary, { introduced: 1, fixed: 0, existing: 0 }, 'the dropped check is still found');
        const fuzzNote = result.problems.find((problem: { kind: string }) => problem.kind === 'fuzz');
        assert.equal(fuzzNote.file, 'mm/pin.c');
        assert.equal(fuzzNote.hunk, 1);
        assert.equal(fuzzNote.applied, true);
        assert.match(fuzzNote.reason, new RegExp(`applied with fuzz ${drift}: ${drift} context lines? at its start`));
        assert.match(fuzzed.stderr, new RegExp(`^patch-audit: note: .*drop-check\\.patch: hunk 1 \\(@@ [^@]+ @@\\) of 'mm/pin\\.c' applied with fuzz ${drift}`, 'm'));
      } finally {
        fs.rmSync(tree, { recursive: true, force: true });
      }
    });
  }

  it('says which hunk needed fuzz in the text report', () => {
    const tree = treeWith('9', '2');
    try {
      const r = spawnSync(process.execPath, [CLI, 'diff', patch, '--tree', tree, '--no-index', '-r', 'ignored-fault-error', '--fuzz', '2'], { encoding: 'utf8' });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stdout, /^CHECK:PATCH_FUZZ: hunk 1 \(@@ [^@]+ @@\) of 'mm\/pin\.c' applied with fuzz 1: /m);
    } finally {
      fs.rmSync(tree, { recursive: true, force: true });
    }
  });

  it('refuses a fuzz that is not a whole number', () => {
    const r = spawnSync(process.execPath, [CLI, 'diff', patch, '--fuzz', '-1'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--fuzz/);
  });
});
