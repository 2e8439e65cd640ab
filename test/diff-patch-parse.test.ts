import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parsePatch } from '../src/diff/patch-parse';
import { readSeries } from '../src/diff/series';
import type { FilePatch, PatchSource } from '../src/diff/model';
import { runWithin } from './support/deadline';

function text(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

function source(diff: string, diffLine = 1, label = 'p.patch'): PatchSource {
  return { index: 1, total: 1, label, subject: label, diff, diffLine };
}

/** Hunk lines as "<kind><text>@<patchLine>", "!" when a no-newline marker followed. */
function lineSummary(file: FilePatch): string[][] {
  return file.hunks.map((hunk) => hunk.lines.map((line) => `${line.kind}${line.text}@${line.patchLine}${line.noNewline ? '!' : ''}`));
}

const MODIFY = text(
  'diff --git a/drivers/widget/core.c b/drivers/widget/core.c',
  'index 1111111..2222222 100644',
  '--- a/drivers/widget/core.c',
  '+++ b/drivers/widget/core.c',
  '@@ -3,4 +3,4 @@ static int widget_probe(void)',
  ' \tint ret;',
  '-\tret = widget_start(0);',
  '+\tret = widget_start(1);',
  '',
  ' \treturn ret;',
  '@@ -20 +20,2 @@',
  ' }',
  '+/* end */',
);

describe('parsePatch: git diff', () => {
  it('strips a/ and b/, reads hunks, and numbers lines from diffLine', () => {
    const { files, problems } = parsePatch(source(MODIFY, 10));
    assert.deepEqual(problems, []);
    assert.equal(files.length, 1);
    const [file] = files;
    assert.equal(file.oldPath, 'drivers/widget/core.c');
    assert.equal(file.newPath, 'drivers/widget/core.c');
    assert.equal(file.binary, false);
    assert.equal(file.renameOnly, undefined);
    assert.equal(file.patchLine, 10);
    assert.deepEqual(
      file.hunks.map((h) => [h.number, h.oldStart, h.oldLines, h.newStart, h.newLines, h.header]),
      [
        [1, 3, 4, 3, 4, '@@ -3,4 +3,4 @@ static int widget_probe(void)'],
        [2, 20, 1, 20, 2, '@@ -20 +20,2 @@'],
      ],
    );
    // The empty line in hunk 1 is an empty context line whose leading space was lost.
    assert.deepEqual(lineSummary(file), [
      [' \tint ret;@15', '-\tret = widget_start(0);@16', '+\tret = widget_start(1);@17', ' @18', ' \treturn ret;@19'],
      [' }@21', '+/* end */@22'],
    ]);
  });

  it('turns "\\ No newline at end of file" into noNewline on the line before', () => {
    const diff = text(
      'diff --git a/n.txt b/n.txt',
      '--- a/n.txt',
      '+++ b/n.txt',
      '@@ -1,2 +1,2 @@',
      ' first',
      '-last',
      '\\ No newline at end of file',
      '+last, now ended',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(problems, []);
    assert.deepEqual(lineSummary(files[0]), [[' first@5', '-last@6!', '+last, now ended@8']]);
  });

  it('reads new and deleted files, also an empty new file without hunks', () => {
    const diff = text(
      'diff --git a/lib/new.c b/lib/new.c',
      'new file mode 100644',
      'index 0000000..1111111',
      '--- /dev/null',
      '+++ b/lib/new.c',
      '@@ -0,0 +1,2 @@',
      '+int x;',
      '+int y;',
      '\\ No newline at end of file',
      'diff --git a/lib/old.c b/lib/old.c',
      'deleted file mode 100644',
      'index 1111111..0000000',
      '--- a/lib/old.c',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-int gone;',
      'diff --git a/lib/empty.h b/lib/empty.h',
      'new file mode 100644',
      'index 0000000..e69de29',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      files.map((f) => [f.oldPath, f.newPath, f.hunks.length, f.patchLine, f.renameOnly]),
      [
        [null, 'lib/new.c', 1, 1, undefined],
        ['lib/old.c', null, 1, 10, undefined],
        [null, 'lib/empty.h', 0, 17, undefined],
      ],
    );
    assert.deepEqual(lineSummary(files[0]), [['+int x;@7', '+int y;@8!']]);
  });

  it('marks renames, copies and mode changes without content as renameOnly', () => {
    const diff = text(
      'diff --git a/mm/old_name.c b/mm/new_name.c',
      'similarity index 100%',
      'rename from mm/old_name.c',
      'rename to mm/new_name.c',
      'diff --git a/scripts/run.sh b/scripts/run.sh',
      'old mode 100644',
      'new mode 100755',
      'diff --git a/mm/a.c b/mm/b.c',
      'similarity index 90%',
      'rename from mm/a.c',
      'rename to mm/b.c',
      'index 1111111..2222222 100644',
      '--- a/mm/a.c',
      '+++ b/mm/b.c',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      files.map((f) => [f.oldPath, f.newPath, f.renameOnly ?? false, f.hunks.length]),
      [
        ['mm/old_name.c', 'mm/new_name.c', true, 0],
        ['scripts/run.sh', 'scripts/run.sh', true, 0],
        ['mm/a.c', 'mm/b.c', false, 1],
      ],
    );
  });

  it('reports a binary section and still returns the text file of the same patch', () => {
    const diff = text(
      'diff --git a/firmware/blob.bin b/firmware/blob.bin',
      'index 1111111..2222222 100644',
      'GIT binary patch',
      'literal 6',
      'NcmZQzWMyJz0ssIC0RR91',
      '',
      'literal 4',
      'LcmZQzWMyJz0000I',
      '',
      'diff --git a/firmware/loader.c b/firmware/loader.c',
      '--- a/firmware/loader.c',
      '+++ b/firmware/loader.c',
      '@@ -1 +1 @@',
      '-int v1;',
      '+int v2;',
      'diff --git a/logo.png b/logo.png',
      'index 3333333..4444444 100644',
      'Binary files a/logo.png and b/logo.png differ',
    );
    const { files, problems } = parsePatch(source(diff, 5, 'fw.patch'));
    assert.deepEqual(
      files.map((f) => [f.newPath, f.binary, f.hunks.length, f.patchLine]),
      [
        ['firmware/blob.bin', true, 0, 5],
        ['firmware/loader.c', false, 1, 14],
        ['logo.png', true, 0, 20],
      ],
    );
    assert.deepEqual(lineSummary(files[1]), [['-int v1;@18', '+int v2;@19']]);
    assert.deepEqual(
      problems.map((p) => [p.kind, p.patch, p.file, p.patchLine, p.applied]),
      [
        ['binary', 'fw.patch', 'firmware/blob.bin', 5, false],
        ['binary', 'fw.patch', 'logo.png', 20, false],
      ],
    );
    assert.match(problems[0].reason, /firmware\/blob\.bin.*binary content is not audited/);
  });

  it('unquotes C-quoted names', () => {
    const diff = text(
      'diff --git "a/docs/tab\\there.txt" "b/docs/tab\\there.txt"',
      '--- "a/docs/tab\\there.txt"',
      '+++ "b/docs/tab\\there.txt"',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      'diff --git "a/docs/caf\\303\\251.txt" "b/docs/caf\\303\\251.txt"',
      'similarity index 100%',
      'rename from "docs/caf\\303\\251.txt"',
      'rename to "docs/quote\\"d.txt"',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      files.map((f) => [f.oldPath, f.newPath]),
      [
        ['docs/tab\there.txt', 'docs/tab\there.txt'],
        ['docs/café.txt', 'docs/quote"d.txt'],
      ],
    );
  });

  it('takes removed and added lines that look like file headers as content when the counts say so', () => {
    const diff = text(
      'diff --git a/doc.txt b/doc.txt',
      '--- a/doc.txt',
      '+++ b/doc.txt',
      '@@ -1,2 +1,2 @@',
      '--- old rule',
      '+++ new rule',
      ' end',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(problems, []);
    assert.equal(files.length, 1);
    assert.deepEqual(
      files[0].hunks[0].lines.map((l) => [l.kind, l.text, l.patchLine]),
      [
        ['-', '-- old rule', 5],
        ['+', '++ new rule', 6],
        [' ', 'end', 7],
      ],
    );
  });

  it('does not take a trailing signature or "---" line for hunk lines', () => {
    for (const tail of [['-- ', 'Ann'], ['--', '2.35.1'], ['', '---', 'base-commit: 0123'], ['---', 'base-commit: 0123']]) {
      const { files, problems } = parsePatch(source(text('--- a/x.c', '+++ b/x.c', '@@ -1 +1 @@', '-a', '+b', ...tail)));
      assert.deepEqual(problems, [], tail.join('|'));
      assert.deepEqual(lineSummary(files[0]), [['-a@4', '+b@5']]);
    }
  });
});

describe('parsePatch: other diff formats', () => {
  it('applies -p1 to diff -ur output whose top folders differ, and drops timestamps', () => {
    const diff = text(
      '--- linux-6.1.orig/mm/x.c\t2024-01-01 10:00:00.000000000 +0100',
      '+++ linux-6.1/mm/x.c\t2024-01-02 10:00:00.000000000 +0100',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      'Only in linux-6.1/mm: y.c',
      'diff -urN linux-6.1.orig/mm/z.c linux-6.1/mm/z.c',
      '--- /dev/null\t1970-01-01 00:00:00.000000000 +0000',
      '+++ linux-6.1/mm/z.c\t2024-01-02 10:00:00.000000000 +0100',
      '@@ -0,0 +1 @@',
      '+z',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      files.map((f) => [f.oldPath, f.newPath, f.patchLine]),
      [
        ['mm/x.c', 'mm/x.c', 1],
        [null, 'mm/z.c', 8],
      ],
    );
  });

  it('keeps -p0 names when both names share their first folder', () => {
    const diff = text('--- mm/x.c.orig 2024-01-01 10:00:00 +0100', '+++ mm/x.c 2024-01-02 10:00:00 +0100', '@@ -1 +1 @@', '-a', '+b');
    const { files } = parsePatch(source(diff));
    assert.deepEqual([files[0].oldPath, files[0].newPath], ['mm/x.c.orig', 'mm/x.c']);
  });

  it('removes the \\r of a patch sent with CRLF throughout', () => {
    const diff = text('diff --git a/c.c b/c.c', '--- a/c.c', '+++ b/c.c', '@@ -1,2 +1,2 @@', ' a', '-b', '+c').replace(/\n/g, '\r\n');
    const { files, problems } = parsePatch(source(diff, 3));
    assert.deepEqual(problems, []);
    assert.equal(files[0].newPath, 'c.c');
    assert.equal(files[0].hunks[0].header, '@@ -1,2 +1,2 @@');
    assert.deepEqual(lineSummary(files[0]), [[' a@7', '-b@8', '+c@9']]);
  });

  it('keeps \\r as content when only some lines have it (a CRLF file in an LF patch)', () => {
    const diff = text('--- a/d.txt', '+++ b/d.txt', '@@ -1 +1 @@', '-dos line\r', '+dos line fixed\r');
    const { files } = parsePatch(source(diff));
    assert.deepEqual(
      files[0].hunks[0].lines.map((l) => l.text),
      ['dos line\r', 'dos line fixed\r'],
    );
  });
});

describe('parsePatch: unsafe paths', () => {
  it('refuses names that leave the tree, and keeps the safe sections', () => {
    const diff = text(
      'diff --git a/../../etc/passwd b/../../etc/passwd',
      '--- a/../../etc/passwd',
      '+++ b/../../etc/passwd',
      '@@ -1 +1 @@',
      '-root',
      '+toor',
      '--- /etc/shadow',
      '+++ /etc/shadow',
      '@@ -1 +1 @@',
      '-x',
      '+y',
      'diff --git a/ok.c b/ok.c',
      '--- a/ok.c',
      '+++ b/ok.c',
      '@@ -1 +1 @@',
      '-x',
      '+y',
      'diff --git a/mm/a.c b/mm/a.c',
      'similarity index 100%',
      'rename from mm/a.c',
      'rename to mm/../../a.c',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(
      files.map((f) => f.newPath),
      ['ok.c'],
    );
    assert.deepEqual(
      problems.map((p) => [p.kind, p.file, p.patchLine, p.applied]),
      [
        ['unsafe-path', 'a/../../etc/passwd', 1, false],
        ['unsafe-path', '/etc/shadow', 7, false],
        ['unsafe-path', 'mm/../../a.c', 18, false],
      ],
    );
    assert.ok(problems.every((p) => p.reason.startsWith('path leaves the tree: ')));
    assert.match(problems[1].reason, /absolute/);
  });

  it('refuses a NUL byte and an empty name, and accepts backslashes', () => {
    const diff = text(
      '--- a/x\\0y.c',
      '+++ b/x\\y.c',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      'diff --git "a/n\\000.c" "b/n\\000.c"',
      '--- "a/n\\000.c"',
      '+++ "b/n\\000.c"',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '--- a/',
      '+++ b/',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(
      files.map((f) => [f.oldPath, f.newPath]),
      [['x\\0y.c', 'x\\y.c']],
    );
    assert.deepEqual(
      problems.map((p) => [p.kind, p.file]),
      [
        ['unsafe-path', 'a/n\0.c'],
        ['unsafe-path', 'a/'],
      ],
    );
  });
});

describe('parsePatch: malformed patches', () => {
  it('names the hunk whose counts do not match, and keeps the other files', () => {
    const diff = text(
      'diff --git a/short.c b/short.c',
      '--- a/short.c',
      '+++ b/short.c',
      '@@ -1,2 +1,2 @@',
      ' a',
      '-b',
      '+c',
      '@@ -10,7 +10,7 @@',
      ' a',
      ' b',
      '-c',
      '+d',
      ' e',
      ' f',
      'diff --git a/long.c b/long.c',
      '--- a/long.c',
      '+++ b/long.c',
      '@@ -1,2 +1,2 @@',
      ' a',
      '-b',
      '+c',
      ' extra',
      '+more',
      'diff --git a/fine.c b/fine.c',
      '--- a/fine.c',
      '+++ b/fine.c',
      '@@ -1 +1 @@',
      '-q',
      '+r',
    );
    const { files, problems } = parsePatch(source(diff, 100));
    assert.deepEqual(
      files.map((f) => f.newPath),
      ['fine.c'],
    );
    assert.deepEqual(problems, [
      { kind: 'malformed', patch: 'p.patch', file: 'short.c', hunk: 2, patchLine: 107, reason: 'hunk 2 says 7 old and 7 new lines but has 5 and 5', applied: false },
      { kind: 'malformed', patch: 'p.patch', file: 'long.c', hunk: 1, patchLine: 117, reason: 'hunk 1 says 2 old and 2 new lines but has 3 and 4', applied: false },
    ]);
  });

  it('says which side is short when only one is', () => {
    const diff = text('--- a/x.c', '+++ b/x.c', '@@ -1,3 +1,2 @@', ' a', '-b', ' c', '@@ -20,7 +19,2 @@', ' a', '-b', '-c', '-d', '-e', ' f');
    const { problems } = parsePatch(source(diff));
    assert.deepEqual(
      problems.map((p) => [p.hunk, p.reason]),
      [[2, 'hunk 2 says 7 old lines but has 6']],
    );
  });

  it('reports unreadable hunk headers, hunks before any file, and file headers without hunks', () => {
    const diff = text(
      '@@ -1 +1 @@',
      '-a',
      '+b',
      'diff --git a/bad.c b/bad.c',
      '--- a/bad.c',
      '+++ b/bad.c',
      '@@ -x,1 +1 @@',
      '-a',
      '+b',
      'diff --git a/nohunk.c b/nohunk.c',
      'index 1111111..2222222 100644',
      '--- a/nohunk.c',
      '+++ b/nohunk.c',
      'diff --git a/ok.c b/ok.c',
      '--- a/ok.c',
      '+++ b/ok.c',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    );
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(
      files.map((f) => f.newPath),
      ['ok.c'],
    );
    assert.deepEqual(
      problems.map((p) => [p.kind, p.file, p.hunk, p.patchLine, p.reason]),
      [
        ['malformed', undefined, undefined, 1, "hunk header before any file header: '@@ -1 +1 @@'"],
        ['malformed', 'bad.c', 1, 7, "hunk 1 header cannot be read: '@@ -x,1 +1 @@'"],
        ['malformed', 'nohunk.c', undefined, 10, 'file header without hunks'],
      ],
    );
  });

  it('refuses a section whose "---" name is not the one of its "diff --git" line', () => {
    const diff = text('diff --git a/shown.c b/shown.c', '--- a/other.c', '+++ b/other.c', '@@ -1 +1 @@', '-a', '+b');
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(files, []);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].kind, 'malformed');
    assert.equal(problems[0].reason, `the "---" line names 'a/other.c' where the "diff --git" line names 'shown.c'`);
  });

  it('checks "---"/"+++" names against rename lines, and not against a "diff --git" line of two names', () => {
    const renamed = text(
      'diff --git a/mm/a.c b/mm/b.c',
      'similarity index 90%',
      'rename from mm/a.c',
      'rename to mm/b.c',
      '--- a/mm/a.c',
      '+++ b/mm/elsewhere.c',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    );
    assert.deepEqual(
      parsePatch(source(renamed)).problems.map((p) => p.reason),
      [`the "+++" line names 'b/mm/elsewhere.c' where the "rename to" line names 'mm/b.c'`],
    );
    // Hand-edited header without prefixes, as git apply takes it: the "---"/"+++" names decide.
    const edited = text('diff --git configure configure', 'index 1111111..2222222 100755', '--- a/configure', '+++ b/configure', '@@ -1 +1 @@', '-a', '+b');
    const { files, problems } = parsePatch(source(edited));
    assert.deepEqual(problems, []);
    assert.deepEqual([files[0].oldPath, files[0].newPath], ['configure', 'configure']);
  });

  it('lists a thousand problems and counts the rest, keeping the gravest kind', () => {
    const noHunks = parsePatch(source('--- a/x.c\n+++ b/x.c\n'.repeat(1500)));
    assert.equal(noHunks.problems.length, 1001);
    assert.deepEqual(noHunks.problems[1000], { kind: 'malformed', patch: 'p.patch', reason: '500 more problems in this patch are not listed', applied: false });
    const binaries = parsePatch(source('diff --git a/b.bin b/b.bin\nBinary files a/b.bin and b/b.bin differ\n'.repeat(1200)));
    assert.equal(binaries.files.length, 1200);
    assert.deepEqual(
      binaries.problems.slice(999).map((p) => [p.kind, p.reason.startsWith('200 more')]),
      [
        ['binary', false],
        ['binary', true],
      ],
    );
  });

  it('reports a diff with no file section as empty', () => {
    assert.deepEqual(parsePatch(source('')), {
      files: [],
      problems: [{ kind: 'empty', patch: 'p.patch', reason: 'no file section in this patch', applied: false }],
    });
    assert.equal(parsePatch(source('random words\nmore words\n')).problems[0].kind, 'empty');
  });
});

describe('readSeries and parsePatch together', () => {
  it('gives every hunk line the number of its line in the mbox', () => {
    const message = (sha: string, file: string) =>
      text(
        `From ${sha} Mon Sep 17 00:00:00 2001`,
        'From: Ann <ann@example.org>',
        `Subject: [PATCH] ${file}`,
        '',
        'Body.',
        '---',
        `diff --git a/${file} b/${file}`,
        `--- a/${file}`,
        `+++ b/${file}`,
        '@@ -1,3 +1,3 @@',
        ' one',
        `-two ${file}`,
        `+TWO ${file}`,
        ' three',
        '\\ No newline at end of file',
        '-- ',
        '2.39.2',
        '',
      );
    const input = message('a'.repeat(40), 'x.c') + message('b'.repeat(40), 'y.c');
    const inputLines = input.split('\n');
    const { patches } = readSeries(input, 's.mbox');
    assert.equal(patches.length, 2);
    for (const patch of patches) {
      const { files, problems } = parsePatch(patch);
      assert.deepEqual(problems, []);
      assert.equal(inputLines[files[0].patchLine - 1], `diff --git a/${files[0].newPath} b/${files[0].newPath}`);
      const lines = files[0].hunks[0].lines;
      assert.equal(lines.length, 4);
      for (const line of lines) assert.equal(inputLines[line.patchLine - 1], line.kind + line.text);
      assert.equal(lines[3].noNewline, true);
    }
  });

  it('reads a CRLF mail end to end without \\r in the hunks', () => {
    const input = text('Subject: [PATCH] crlf', '', '--- a/w.c', '+++ b/w.c', '@@ -1 +1 @@', '-a', '+b', '-- ', '2.40.0').replace(/\n/g, '\r\n');
    const [patch] = readSeries(input, 'c.eml').patches;
    const { files, problems } = parsePatch(patch);
    assert.deepEqual(problems, []);
    assert.deepEqual(lineSummary(files[0]), [['-a@6', '+b@7']]);
  });

  it('parses a large patch, and a header line built to make regexes backtrack', () => {
    const body = ' context line\n'.repeat(300_000);
    const diff = `diff --git a/big.c b/big.c\n--- a/big.c\n+++ b/big.c\n@@ -1,300001 +1,300001 @@\n${body}-x\n+y\n`;
    const { files, problems } = parsePatch(source(diff));
    assert.deepEqual(problems, []);
    assert.equal(files[0].hunks[0].lines.length, 300_002);
    const script = `
      const { parsePatch } = require('./dist/src/diff/patch-parse');
      const diff = 'diff --git ' + 'a/'.repeat(100000) + 'x b/x\\n--- a/x\\n+++ b/x\\n@@ -1 +1 @@\\n-a\\n+b\\n';
      const hostile = parsePatch({ index: 1, total: 1, label: 'p.patch', subject: 'p.patch', diff, diffLine: 1 });
      process.stdout.write(JSON.stringify({ problems: hostile.problems, newPath: hostile.files[0].newPath }));`;
    const hostile = runWithin<{ problems: unknown[]; newPath: string }>(60_000, script);
    assert.deepEqual(hostile.problems, []);
    assert.equal(hostile.newPath, 'x');
  });
});
