import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { readSeries } from '../src/diff/series';
import type { PatchSource } from '../src/diff/model';
import { runWithin } from './support/deadline';

/** Joins lines with '\n' and ends the text with one. */
function text(...lines: string[]): string {
  return lines.join('\n') + '\n';
}

/** The 1-based input line `line` of `input`. */
function inputLine(input: string, line: number): string {
  return input.split('\n')[line - 1];
}

const GIT_DIFF = text(
  'diff --git a/drivers/widget/core.c b/drivers/widget/core.c',
  'index 1111111..2222222 100644',
  '--- a/drivers/widget/core.c',
  '+++ b/drivers/widget/core.c',
  '@@ -3,3 +3,3 @@ static int widget_probe(void)',
  ' \tint ret;',
  '-\tret = widget_start(0);',
  '+\tret = widget_start(1);',
  ' \treturn ret;',
);

function formatPatchMessage(sha: string, subject: string, file: string, body = 'Explain the change.'): string {
  return text(
    `From ${sha} Mon Sep 17 00:00:00 2001`,
    'From: Ann Writer <ann@example.org>',
    'Date: Tue, 2 Jan 2024 10:00:00 +0100',
    `Subject: ${subject}`,
    '',
    body,
    '',
    'Signed-off-by: Ann Writer <ann@example.org>',
    '---',
    ` ${file} | 2 +-`,
    ' 1 file changed, 1 insertion(+), 1 deletion(-)',
    '',
    `diff --git a/${file} b/${file}`,
    'index 1111111..2222222 100644',
    `--- a/${file}`,
    `+++ b/${file}`,
    '@@ -1,2 +1,2 @@',
    '-int old_value;',
    '+int new_value;',
    ' int kept;',
    '-- ',
    '2.39.2',
    '',
  );
}

const SHA = ['0', '1', '2', '3'].map((digit) => digit.repeat(40));

const COVER = text(
  `From ${SHA[0]} Mon Sep 17 00:00:00 2001`,
  'From: Ann Writer <ann@example.org>',
  'Subject: [PATCH 0/3] widget: three small changes',
  '',
  'This series changes three files.',
  '',
  'Ann Writer (3):',
  '  widget: one',
  '',
  '-- ',
  '2.39.2',
  '',
);

const MBOX =
  COVER +
  formatPatchMessage(SHA[1], '[PATCH 1/3] widget: one', 'w/one.c') +
  formatPatchMessage(SHA[2], '[PATCH 2/3] widget: two', 'w/two.c') +
  formatPatchMessage(SHA[3], '[PATCH 3/3] widget: three', 'w/three.c');

describe('readSeries: plain diffs', () => {
  it('reads git diff output as one patch named by the label', () => {
    const { patches, problems } = readSeries(GIT_DIFF, 'fix.patch');
    assert.deepEqual(problems, []);
    assert.equal(patches.length, 1);
    const [patch] = patches;
    assert.equal(patch.index, 1);
    assert.equal(patch.total, 1);
    assert.equal(patch.label, 'fix.patch');
    assert.equal(patch.subject, 'fix.patch');
    assert.equal(patch.commit, undefined);
    assert.equal(patch.author, undefined);
    assert.equal(patch.diff, GIT_DIFF);
    assert.equal(patch.diffLine, 1);
  });

  it('starts the diff of diff -u output at the "---" line and keeps text before it out', () => {
    const input = text(
      'Some notes about the change.',
      'diff -u a/x.c b/x.c',
      '--- a/x.c\t2024-01-01 10:00:00.000000000 +0100',
      '+++ b/x.c\t2024-01-02 10:00:00.000000000 +0100',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    );
    const { patches } = readSeries(input, '<stdin>');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].diffLine, 3);
    assert.ok(patches[0].diff.startsWith('--- a/x.c\t2024'));
    assert.equal(inputLine(input, patches[0].diffLine), patches[0].diff.split('\n')[0]);
  });

  it('reads a single mail without mbox separator: subject, author, diff after the headers', () => {
    const input = text(
      'From: Bo Tester <bo@example.org>',
      'Subject: [PATCH] widget: fix the',
      '  start value',
      '',
      'Body text.',
      '---',
      ...GIT_DIFF.trimEnd().split('\n'),
    );
    const { patches, problems } = readSeries(input, 'mail.eml');
    assert.deepEqual(problems, []);
    assert.equal(patches.length, 1);
    assert.equal(patches[0].label, 'mail.eml');
    assert.equal(patches[0].subject, '[PATCH] widget: fix the start value');
    assert.equal(patches[0].author, 'Bo Tester <bo@example.org>');
    assert.equal(patches[0].diffLine, 7);
    assert.equal(patches[0].diff, GIT_DIFF);
  });
});

describe('readSeries: mbox series', () => {
  it('skips the cover letter and numbers the patches among themselves', () => {
    const { patches, problems } = readSeries(MBOX, 'series.mbox');
    assert.deepEqual(problems, []);
    assert.deepEqual(
      patches.map((p) => [p.index, p.total, p.label, p.subject, p.commit]),
      [
        [1, 3, 'series.mbox (patch 1/3)', '[PATCH 1/3] widget: one', SHA[1]],
        [2, 3, 'series.mbox (patch 2/3)', '[PATCH 2/3] widget: two', SHA[2]],
        [3, 3, 'series.mbox (patch 3/3)', '[PATCH 3/3] widget: three', SHA[3]],
      ],
    );
    assert.ok(patches.every((p) => p.author === 'Ann Writer <ann@example.org>'));
  });

  it('points diffLine at the "diff --git" line of each message in the input', () => {
    const { patches } = readSeries(MBOX, 'series.mbox');
    const expected = ['w/one.c', 'w/two.c', 'w/three.c'].map((file) => `diff --git a/${file} b/${file}`);
    assert.deepEqual(
      patches.map((p) => inputLine(MBOX, p.diffLine)),
      expected,
    );
    // The cover letter has 12 lines; the first message's diff starts at its 13th line.
    assert.equal(patches[0].diffLine, 12 + 13);
  });

  it('removes the signature and keeps the diff to its last hunk line', () => {
    const { patches } = readSeries(MBOX, 'series.mbox');
    for (const patch of patches) {
      assert.ok(!patch.diff.includes('2.39.2'), patch.label);
      assert.ok(!patch.diff.includes('\n-- \n'), patch.label);
      assert.ok(patch.diff.endsWith('\n int kept;\n'), patch.label);
      assert.ok(!patch.diff.includes('Signed-off-by'), patch.label);
    }
  });

  it('also removes a signature whose "-- " lost its space', () => {
    const input = formatPatchMessage(SHA[1], '[PATCH] widget: one', 'w/one.c').replace('\n-- \n', '\n--\n');
    const { patches } = readSeries(input, 'one.patch');
    assert.ok(patches[0].diff.endsWith('\n int kept;\n'));
  });

  it('reads an mbox that starts with a byte order mark', () => {
    const { patches } = readSeries('\uFEFF' + MBOX, 'bom.mbox');
    assert.equal(patches.length, 3);
    assert.equal(inputLine(MBOX, patches[0].diffLine), 'diff --git a/w/one.c b/w/one.c');
  });

  it('keeps the bare label when the mbox holds one patch (a format-patch file)', () => {
    const { patches } = readSeries(formatPatchMessage(SHA[1], '[PATCH] widget: one', 'w/one.c'), '0001-widget-one.patch');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].label, '0001-widget-one.patch');
    assert.equal(patches[0].commit, SHA[1]);
    assert.equal(patches[0].diffLine, 13);
  });

  it('splits messages without signature or blank line between them (format-patch --no-signature)', () => {
    const strip = (message: string) => message.replace('-- \n2.39.2\n\n', '');
    const input = strip(formatPatchMessage(SHA[1], '[PATCH 1/2] a', 'a.c')) + strip(formatPatchMessage(SHA[2], '[PATCH 2/2] b', 'b.c'));
    const { patches } = readSeries(input, 'x.mbox');
    assert.deepEqual(
      patches.map((p) => [p.subject, p.diffLine, p.diff.split('\n').length]),
      [
        ['[PATCH 1/2] a', 13, 9],
        ['[PATCH 2/2] b', 33, 9],
      ],
    );
  });

  it('reads b4-style separators, which carry no commit id', () => {
    const input = formatPatchMessage(SHA[1], '[PATCH v2 1/1] widget: one', 'w/one.c').replace(
      /^From \S+ Mon Sep 17 00:00:00 2001/,
      'From git@z Thu Jan  1 00:00:00 1970',
    );
    const { patches } = readSeries(input, 'b4.mbox');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].commit, undefined);
    assert.equal(patches[0].subject, '[PATCH v2 1/1] widget: one');
  });

  it('does not split at a body line that starts with "From " but is no separator, nor unquote ">From" in a diff', () => {
    const input = text(
      `From ${SHA[1]} Mon Sep 17 00:00:00 2001`,
      'Subject: [PATCH] quoting',
      '',
      'From the first probe on, this was wrong.',
      '>From a quoted line.',
      '---',
      '--- a/notes.txt',
      '+++ b/notes.txt',
      '@@ -1,2 +1,2 @@',
      '-From here',
      '+>From there',
      ' end',
    );
    const { patches, problems } = readSeries(input, 'q.mbox');
    assert.deepEqual(problems, []);
    assert.equal(patches.length, 1);
    assert.equal(patches[0].diffLine, 7);
    assert.ok(patches[0].diff.includes('\n+>From there\n'));
    assert.ok(patches[0].diff.includes('\n-From here\n'));
  });

  it('reports a message without diff as empty, and does not count it', () => {
    const reply = text(
      'From someone@example.org Wed Jan  3 09:00:00 2024',
      'From: Reviewer <r@example.org>',
      'Subject: Re: [PATCH 1/3] widget: one',
      '',
      'Looks good to me.',
      '',
    );
    const input = formatPatchMessage(SHA[1], '[PATCH 1/2] one', 'one.c') + reply + formatPatchMessage(SHA[2], '[PATCH 2/2] two', 'two.c');
    const { patches, problems } = readSeries(input, 'thread.mbox');
    assert.deepEqual(problems, [{ kind: 'empty', patch: 'thread.mbox (message 2)', reason: 'no diff in this message', applied: false }]);
    assert.deepEqual(
      patches.map((p) => [p.index, p.total, p.label]),
      [
        [1, 2, 'thread.mbox (patch 1/2)'],
        [2, 2, 'thread.mbox (patch 2/2)'],
      ],
    );
  });
});

describe('readSeries: headers and encodings', () => {
  it('unfolds subjects and decodes RFC 2047 words, Q and B, in Subject and From', () => {
    const input = text(
      `From ${SHA[1]} Mon Sep 17 00:00:00 2001`,
      'From: =?UTF-8?q?J=C3=B6rg=20Pr=C3=BCfer?= <jp@example.org>',
      'Subject: [PATCH 1/1] =?UTF-8?q?widget:=20gr=C3=BC=C3=9Fe?=',
      ' =?UTF-8?q?_und_mehr?= folded',
      '\tand =?utf-8?b?w6l0w6k=?= done',
      '',
      ...GIT_DIFF.trimEnd().split('\n'),
    );
    const { patches } = readSeries(input, 'enc.mbox');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].subject, '[PATCH 1/1] widget: grüße und mehr folded and été done');
    assert.equal(patches[0].author, 'Jörg Prüfer <jp@example.org>');
  });

  it('decodes other charsets TextDecoder knows, and leaves unknown ones as written', () => {
    const input = text('Subject: =?iso-8859-1?q?caf=E9?= =?x-no-such?q?abc?=', '', ...GIT_DIFF.trimEnd().split('\n'));
    const { patches } = readSeries(input, 'c.patch');
    assert.equal(patches[0].subject, 'café =?x-no-such?q?abc?=');
  });

  it('decodes a quoted-printable body; diffLine is then the body start', () => {
    const input = text(
      `From ${SHA[1]} Mon Sep 17 00:00:00 2001`,
      'From: Ann <ann@example.org>',
      'Subject: [PATCH] qp',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Body with =C3=A4.',
      '---',
      'diff --git a/q.c b/q.c',
      '--- a/q.c',
      '+++ b/q.c',
      '@@ -1 +1 @@',
      '-int a; /* =C3=A4 */',
      '+int a; /* a line long enough that the encoder wrapped it at seventy-si=',
      'x */',
      '--=20',
      '2.39.2',
    );
    const { patches } = readSeries(input, 'qp.mbox');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].diffLine, 7);
    assert.equal(
      patches[0].diff,
      text(
        'diff --git a/q.c b/q.c',
        '--- a/q.c',
        '+++ b/q.c',
        '@@ -1 +1 @@',
        '-int a; /* ä */',
        '+int a; /* a line long enough that the encoder wrapped it at seventy-six */',
      ),
    );
  });

  it('decodes a base64 body', () => {
    const body = Buffer.from(text('Body.', '---', ...GIT_DIFF.trimEnd().split('\n'), '-- ', '2.40.1')).toString('base64');
    const input = text('Subject: [PATCH] b64', 'Content-Transfer-Encoding: base64', '', ...body.match(/.{1,76}/g)!);
    const { patches } = readSeries(input, 'b64.eml');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].diff, GIT_DIFF);
    assert.equal(patches[0].diffLine, 4);
  });

  it('reads a CRLF mail like an LF one and keeps the diff text as written', () => {
    const input = text(
      'From: Ann <ann@example.org>',
      'Subject: [PATCH] crlf',
      '',
      'Body.',
      '---',
      'diff --git a/c.c b/c.c',
      '--- a/c.c',
      '+++ b/c.c',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '-- ',
      '2.40.0',
    ).replace(/\n/g, '\r\n');
    const { patches } = readSeries(input, 'crlf.eml');
    assert.equal(patches.length, 1);
    assert.equal(patches[0].subject, '[PATCH] crlf');
    assert.equal(patches[0].diffLine, 6);
    assert.equal(patches[0].diff, 'diff --git a/c.c b/c.c\r\n--- a/c.c\r\n+++ b/c.c\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n');
  });
});

describe('readSeries: inputs without patches', () => {
  const only = (input: string): ReturnType<typeof readSeries> => readSeries(input, 'in.txt');

  it('reports empty input', () => {
    assert.deepEqual(only(''), { patches: [], problems: [{ kind: 'empty', patch: 'in.txt', reason: 'the input is empty', applied: false }] });
    assert.deepEqual(only('\n \n\t\n').problems.map((p) => p.reason), ['the input is empty']);
  });

  it('reports text that holds no diff', () => {
    const { patches, problems } = only(text('Dear maintainers,', '+ this is not a hunk', '- nor this', '@@ nor this @@'));
    assert.deepEqual(patches, []);
    assert.deepEqual(problems, [{ kind: 'empty', patch: 'in.txt', reason: 'no diff in the input', applied: false }]);
  });

  it('reports an input that is only a cover letter', () => {
    const { patches, problems } = only(COVER);
    assert.deepEqual(patches, []);
    assert.deepEqual(problems, [{ kind: 'empty', patch: 'in.txt', reason: 'only a cover letter, no patch', applied: false }]);
  });

  it('skips cover letters whatever the prefix looks like', () => {
    for (const subject of ['[PATCH v2 00/10] x', '[RFC PATCH net-next 0/5] x', '[PATCH 000/123] x']) {
      const input = text('Subject: ' + subject, '', 'text');
      assert.equal(only(input).problems[0].reason, 'only a cover letter, no patch', subject);
    }
    const notCover = only(text('Subject: [PATCH 10/12] x', '', 'text'));
    assert.equal(notCover.problems[0].reason, 'no diff in the input');
  });
});

// Speed is measured in benchmarks, not asserted here: these check that big and
// hostile inputs are read whole and right (a backtracking regex would hang the run).
describe('readSeries: large and hostile inputs', () => {
  const read = (input: string): PatchSource[] => readSeries(input, 'big').patches;

  it('reads a 10 MB mbox of many messages', () => {
    const messages: string[] = [];
    let size = 0;
    for (let i = 0; size < 10e6; i++) {
      const message = formatPatchMessage(i.toString(16).padStart(40, '0'), `[PATCH ${i + 1}/N] x`, `f${i}.c`);
      messages.push(message);
      size += message.length;
    }
    const patches = read(messages.join(''));
    assert.equal(patches.length, messages.length);
    assert.equal(patches[patches.length - 1].total, messages.length);
  });

  it('survives long lines built to make regexes backtrack, within a deadline', () => {
    const script = `
      const { readSeries } = require('./dist/src/diff/series');
      const GIT_DIFF = require('node:fs').readFileSync(0, 'utf8');
      const inputs = [
        'From ' + ' '.repeat(2e6) + '1:00 2020x',
        'Subject: ' + '[=?'.repeat(5e5) + '\\n\\n' + GIT_DIFF,
        'Subject: ' + '=?utf-8?q?'.repeat(2e5) + '\\n\\n' + GIT_DIFF,
        GIT_DIFF + '-- \\n'.repeat(1e6),
        'Content-Transfer-Encoding: quoted-printable\\n\\n' + GIT_DIFF + '=\\n'.repeat(1e6),
      ];
      process.stdout.write(JSON.stringify(inputs.map((input) => readSeries(input, 'big').patches.length)));`;
    const found = runWithin<number[]>(60_000, script, GIT_DIFF);
    assert.deepEqual(found, [0, 1, 1, 1, 1], 'the diff is still found behind each hostile line');
  });

  it('the deadline stops a run that backtracks', () => {
    assert.throws(() => runWithin(1_000, "/^(a+)+$/.test('a'.repeat(40) + 'b'); process.stdout.write('1');"), /still running after \d+ ms/);
  });
});
