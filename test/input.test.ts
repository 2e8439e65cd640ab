import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import { collectSourceFiles, compareBytewise, SourceFile } from '../src/input/walk';
import { firstInvalidUtf8Offset, readSourceFile } from '../src/input/read';
import { createIdentifierMatcher, mentionsAnyIdentifier } from '../src/input/prefilter';
import { InputProblem } from '../src/model';

const MAX_BYTES = 1024;
const GOOD_C = '#include "good.h"\nint good(void) { return 1; }\n';
const LATIN1_C = Buffer.concat([
  Buffer.from('/* first line */\n/* caf'),
  Buffer.from([0xe9]), // é in Latin-1: not a valid UTF-8 sequence
  Buffer.from(' */\nint x;\n'),
]);

/** Layout of the fixture; the walk runs with cwd = <tmp>/tree. */
let tmp: string;
let tree: string;
let outside: string;

function write(relative: string, content: string | Buffer): void {
  const file = path.join(tree, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

/** True when this process can read the file despite chmod 000, as root with CAP_DAC_OVERRIDE can. */
function bypassesPermissions(file: string, isDirectory: boolean): boolean {
  try {
    if (isDirectory) fs.readdirSync(file);
    else fs.closeSync(fs.openSync(file, 'r'));
    return true;
  } catch {
    return false;
  }
}

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-input-'));
  tree = path.join(tmp, 'tree');
  outside = path.join(tmp, 'outside');
  fs.mkdirSync(tree);
  fs.mkdirSync(outside);

  write('src/good.c', GOOD_C);
  write('src/good.h', 'int good(void);\n');
  write('src/nested/deep/inner.c', 'void inner(void) {}\n');
  write('Zeta.c', 'int zeta;\n');
  write('\uFFFD.c', 'int replacement_char;\n');
  write('\u{1F600}.c', 'int emoji;\n');
  write('notes.txt', 'not C\n');
  write('latin1.c', LATIN1_C);
  write('x.c', Buffer.from('ELF\0\0\0\x01\x02binary\0'));
  write('empty.c', '');
  write('big.c', 'x'.repeat(MAX_BYTES * 2));
  write('locked.c', 'int locked;\n');
  fs.chmodSync(path.join(tree, 'locked.c'), 0o000);
  write('locked-dir/hidden.c', 'int hidden;\n');
  fs.chmodSync(path.join(tree, 'locked-dir'), 0o000);
  write('.git/objects/ignored.c', 'int ignored;\n');

  fs.symlinkSync('loop-b.c', path.join(tree, 'loop-a.c'));
  fs.symlinkSync('loop-a.c', path.join(tree, 'loop-b.c'));
  fs.symlinkSync('does-not-exist.c', path.join(tree, 'broken.c'));
  fs.symlinkSync('../..', path.join(tree, 'src/nested/up'));
  fs.symlinkSync('src/good.c', path.join(tree, 'alias-of-good.c'));

  fs.writeFileSync(path.join(outside, 'linked-target.c'), 'int linked;\n');
  fs.writeFileSync(path.join(outside, 'named.c'), 'int named;\n');
  fs.symlinkSync(path.join(outside, 'linked-target.c'), path.join(tree, 'outside-link.c'));
});

after(() => {
  fs.chmodSync(path.join(tree, 'locked-dir'), 0o755);
  fs.chmodSync(path.join(tree, 'locked.c'), 0o644);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('collectSourceFiles', () => {
  const collect = () =>
    collectSourceFiles(['.', 'missing-dir', 'notes.txt', 'src/good.c', path.join(outside, 'named.c')], {
      cwd: tree,
      extensions: ['.c', '.h'],
    });

  it('finds exactly the C files, sorted by bytes, each once', async (t) => {
    const lockedDirReadable = bypassesPermissions(path.join(tree, 'locked-dir'), true);
    t.diagnostic(`locked-dir readable despite chmod 000 (running as root?): ${lockedDirReadable}`);
    const { files } = await collect();
    assert.deepEqual(
      files.map((file) => file.displayPath),
      [
        path.join(outside, 'named.c'), // outside cwd: absolute
        'Zeta.c',
        'big.c',
        'empty.c',
        'latin1.c',
        ...(lockedDirReadable ? ['locked-dir/hidden.c'] : []),
        'locked.c',
        'outside-link.c', // symlinked file: followed
        'src/good.c', // also reached through alias-of-good.c and named explicitly: its own name wins
        'src/good.h',
        'src/nested/deep/inner.c', // src/nested/up is a symlink to the tree: not followed
        'x.c',
        '\uFFFD.c', // U+FFFD is EF BF BD in UTF-8, before F0 9F 98 80 (U+1F600); UTF-16 order says otherwise
        '\u{1F600}.c',
      ],
    );
    const good = files.find((file) => file.displayPath === 'src/good.c')!;
    assert.equal(good.absolutePath, path.join(tree, 'src/good.c'));
    assert.equal(good.size, Buffer.byteLength(GOOD_C));
    assert.equal(files.find((file) => file.displayPath === 'outside-link.c')!.size, 'int linked;\n'.length);
  });

  it('reports every path it could not take, naming the path and the reason', async () => {
    const lockedDirReadable = bypassesPermissions(path.join(tree, 'locked-dir'), true);
    const { problems } = await collect();
    assert.deepEqual(
      problems.map(({ path: problemPath, kind, analysed }) => ({ path: problemPath, kind, analysed })),
      [
        { path: 'broken.c', kind: 'missing', analysed: false },
        ...(lockedDirReadable ? [] : [{ path: 'locked-dir', kind: 'unreadable', analysed: false }]),
        { path: 'loop-a.c', kind: 'symlink-loop', analysed: false },
        { path: 'loop-b.c', kind: 'symlink-loop', analysed: false },
        { path: 'missing-dir', kind: 'missing', analysed: false },
        { path: 'notes.txt', kind: 'not-c-source', analysed: false },
      ],
    );
    const reasonOf = (problemPath: string) => problems.find((problem) => problem.path === problemPath)!.reason;
    assert.match(reasonOf('broken.c'), /broken symlink to does-not-exist\.c/);
    assert.match(reasonOf('loop-a.c'), /loop.*ELOOP.*loop-b\.c/);
    assert.match(reasonOf('missing-dir'), /ENOENT/);
    assert.match(reasonOf('notes.txt'), /\.c, \.h/);
    if (!lockedDirReadable) assert.match(reasonOf('locked-dir'), /EACCES/);
  });

  it('is deterministic', async () => {
    assert.deepEqual(await collect(), await collect());
  });

  it('gives absolute display paths when walking outside cwd, and relative ones inside', async () => {
    const fromOutside = await collectSourceFiles([path.join(tree, 'src')], { cwd: outside, extensions: ['.c'] });
    assert.deepEqual(
      fromOutside.files.map((file) => file.displayPath),
      [path.join(tree, 'src/good.c'), path.join(tree, 'src/nested/deep/inner.c')],
    );
    const fromInside = await collectSourceFiles(['../tree/src/./nested'], { cwd: tree, extensions: ['.c'] });
    assert.deepEqual(fromInside.files.map((file) => file.displayPath), ['src/nested/deep/inner.c']);
  });

  it('follows a symlinked directory when it is named explicitly', async () => {
    const { files, problems } = await collectSourceFiles(['src/nested/up/src/nested'], { cwd: tree, extensions: ['.c'] });
    assert.deepEqual(files.map((file) => file.displayPath), ['src/nested/up/src/nested/deep/inner.c']);
    assert.deepEqual(problems, []);
  });

  it('reports a broken symlink or a loop named explicitly', async () => {
    const { files, problems } = await collectSourceFiles(['broken.c', 'loop-a.c'], { cwd: tree, extensions: ['.c'] });
    assert.deepEqual(files, []);
    assert.deepEqual(
      problems.map(({ path: problemPath, kind }) => [problemPath, kind]),
      [
        ['broken.c', 'missing'],
        ['loop-a.c', 'symlink-loop'],
      ],
    );
  });
});

describe('readSourceFile', () => {
  const fileAt = (relative: string): SourceFile => {
    const absolutePath = path.join(tree, relative);
    return { absolutePath, displayPath: relative, size: fs.lstatSync(absolutePath).size };
  };
  const read = (relative: string) => readSourceFile(fileAt(relative), { maxBytes: MAX_BYTES });
  const problemOf = (relative: string): InputProblem => {
    const result = read(relative);
    assert.ok(result.problem, `expected a problem for ${relative}`);
    assert.equal(result.problem.path, relative);
    return result.problem;
  };

  it('reads UTF-8 text as is', () => {
    assert.deepEqual(read('src/good.c'), { ok: true, text: GOOD_C, bytes: Buffer.byteLength(GOOD_C) });
    assert.deepEqual(read('\u{1F600}.c'), { ok: true, text: 'int emoji;\n', bytes: 11 });
  });

  it('reads an empty file as empty text', () => {
    assert.deepEqual(read('empty.c'), { ok: true, text: '', bytes: 0 });
  });

  it('decodes non-UTF-8 as Latin-1, still analysed, and says where the first bad byte is', () => {
    const result = read('latin1.c');
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.equal(result.text, '/* first line */\n/* caf\u00e9 */\nint x;\n');
    assert.equal(result.bytes, LATIN1_C.length);
    const problem = problemOf('latin1.c');
    assert.equal(problem.kind, 'not-utf8');
    assert.equal(problem.analysed, true);
    assert.match(problem.reason, /0xe9 at line 2, column 7 \(byte offset 23\)/);
  });

  it('rejects a file with NUL bytes as binary, whatever its name', () => {
    assert.equal(read('x.c').ok, false);
    const problem = problemOf('x.c');
    assert.equal(problem.kind, 'binary');
    assert.equal(problem.analysed, false);
    assert.match(problem.reason, /NUL byte at line 1, column 4 \(byte offset 3\)/);
  });

  it('rejects a file over the size limit without reading it, and names the flag that raises it', () => {
    assert.equal(read('big.c').ok, false);
    const problem = problemOf('big.c');
    assert.equal(problem.kind, 'too-large');
    assert.equal(problem.analysed, false);
    assert.match(problem.reason, new RegExp(`${MAX_BYTES * 2} bytes.*${MAX_BYTES} bytes.*--max-file-size`));
    assert.equal(readSourceFile(fileAt('big.c'), { maxBytes: MAX_BYTES * 2 }).ok, true);
  });

  it('reports an unreadable file with its error code, or reads it when permissions do not apply (root)', (t) => {
    const readable = bypassesPermissions(path.join(tree, 'locked.c'), false);
    t.diagnostic(`locked.c readable despite chmod 000 (running as root?): ${readable}`);
    if (readable) {
      assert.deepEqual(read('locked.c'), { ok: true, text: 'int locked;\n', bytes: 12 });
    } else {
      assert.equal(read('locked.c').ok, false);
      const problem = problemOf('locked.c');
      assert.equal(problem.kind, 'unreadable');
      assert.match(problem.reason, /EACCES/);
    }
  });

  it('reports a file that disappeared after the walk', () => {
    const result = readSourceFile({ absolutePath: path.join(tree, 'gone.c'), displayPath: 'gone.c', size: 1 }, { maxBytes: MAX_BYTES });
    assert.equal(result.ok, false);
    assert.deepEqual(result.problem, {
      path: 'gone.c',
      kind: 'missing',
      reason: 'cannot read: no such file or directory (ENOENT)',
      analysed: false,
    });
  });

  it('reports a directory in place of a file as unreadable', () => {
    const result = readSourceFile({ absolutePath: path.join(tree, 'src'), displayPath: 'src', size: 0 }, { maxBytes: MAX_BYTES });
    assert.equal(result.ok, false);
    assert.equal(result.problem?.kind, 'unreadable');
    assert.match(result.problem?.reason ?? '', /not a regular file \(directory\)/);
  });
});

describe('firstInvalidUtf8Offset', () => {
  const cases: Array<[string, number[], number]> = [
    ['valid multi-byte', [0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], -1],
    ['lone continuation byte', [0x61, 0x80], 1],
    ['overlong two-byte form', [0x61, 0x62, 0xc0, 0x80], 2],
    ['overlong three-byte form', [0xe0, 0x80, 0x80], 0],
    ['UTF-16 surrogate', [0x61, 0xed, 0xa0, 0x80], 1],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['truncated at the end', [0x61, 0xe2, 0x82], 1],
    ['invalid lead byte', [0xf5, 0x80, 0x80, 0x80], 0],
  ];
  for (const [name, bytes, expected] of cases) {
    it(`${name}: ${expected}`, () => {
      const buffer = Buffer.from(bytes);
      assert.equal(firstInvalidUtf8Offset(buffer), expected);
      assert.equal(isUtf8(buffer), expected === -1, 'must agree with isUtf8');
    });
  }
});

describe('compareBytewise', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    assert.ok(compareBytewise('\uFFFD', '\u{1F600}') < 0);
    assert.ok('\uFFFD' > '\u{1F600}', 'the native order differs, which is the point');
    assert.ok(compareBytewise('Z', 'a') < 0);
    assert.ok(compareBytewise('a', 'ab') < 0);
    assert.equal(compareBytewise('same', 'same'), 0);
  });
});

describe('mentionsAnyIdentifier', () => {
  const forms = (text: string) => [text, Buffer.from(text)];

  // Past three identifiers the matcher switches from Buffer.indexOf to one regular expression: test both.
  const absentIdentifiers = ['absent_a', 'absent_b', 'absent_c', 'absent_d'];

  for (const identifiers of [['get_page'], ['get_page', ...absentIdentifiers]]) {
    it(`matches whole identifiers only (${identifiers.length} identifiers)`, () => {
      const expectations: Array<[string, boolean]> = [
        ['get_page(p);', true],
        ['\tp = get_page', true],
        ['get_page', true],
        ['x->get_page(p)', true],
        ['get_page_unless_zero(p);', false],
        ['my_get_page(p);', false],
        ['_get_page(p);', false],
        ['get_page2(p);', false],
        ['Xget_pageY', false],
        ['get_pag', false],
        ['', false],
        ['get_page_unless_zero(p); my_get_page(q); get_page(r);', true],
        ['/* caf\u00e9 */get_page(p)', true],
        ['\u00e9get_page\u00e9', true], // non-ASCII is never part of an identifier, as a byte or as a character
      ];
      for (const [text, expected] of expectations) {
        for (const content of forms(text)) {
          assert.equal(mentionsAnyIdentifier(content, identifiers), expected, `${JSON.stringify(text)} as ${typeof content}`);
        }
      }
    });
  }

  it('matches when any of several identifiers occurs', () => {
    for (const content of forms('kfree(p);')) {
      assert.equal(mentionsAnyIdentifier(content, ['get_page', 'kfree']), true);
      assert.equal(mentionsAnyIdentifier(content, ['get_page', 'kfree_skb']), false);
      assert.equal(mentionsAnyIdentifier(content, [...absentIdentifiers, 'kfree']), true);
      assert.equal(mentionsAnyIdentifier(content, [...absentIdentifiers, 'kfree_skb', 'kfre']), false);
    }
  });

  it('treats an empty list as matching everything', () => {
    for (const content of forms('')) assert.equal(mentionsAnyIdentifier(content, []), true);
  });

  it('rejects something that is not an identifier', () => {
    assert.throws(() => createIdentifierMatcher(['get page']), TypeError);
    assert.throws(() => createIdentifierMatcher(['']), TypeError);
  });
});
