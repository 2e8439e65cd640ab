// The index pre-filter: a file is parsed for ignored-fault-error only when it
// drops the result of a callee that could be reported, as the index (or, in
// diff mode, the patched image) tells; cached results depend on what it read.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './support/fixtures';
import { diffBetween, FileSet, tempDir, writeFiles } from './support/patches';
import { fileCalls, meetsIndexRequirement } from '../src/engine/index-prefilter';
import { MemoryDeclSource } from '../src/types/decl-source';
import { TypeIndex } from '../src/types/type-index';
import { resultIgnoredTable } from '../rules/ignored-fault-error/tables';
import { knowledgeFor } from '../src/knowledge';
import type { FileFacts, FunctionDecl } from '../src/types/facts';
import type { IndexRequirement } from '../src/rule';
import ignoredFaultError from '../rules/ignored-fault-error';

const CLI = path.join(REPO, 'dist/src/cli.js');

describe('fileCalls', () => {
  it('takes every call that can be a statement of its own, and no call whose result is used', () => {
    const text = [
      'int proto(void);',
      'static int f(struct s *a)',
      '{',
      '\tfirst(a);',
      '\tif (a->x)',
      '\t\tin_if(a);',
      '\telse',
      '\t\tin_else(a);',
      '\tdo in_do(a); while (0);',
      'out:',
      '\tafter_label(a);',
      '\t(void)voided(a);',
      '#ifdef CONFIG_X',
      '\tafter_directive(a);',
      '#endif',
      '\tx = assigned(a);',
      '\tif (tested(a))',
      '\t\treturn 1;',
      '\ta->op(a);',
      '\ta->b.member(a);',
      '\tfoo(bar(a));',
      '\treturn returned(a);',
      '}',
    ].join('\n');
    assert.deepEqual(
      [...fileCalls(text).dropped].sort(),
      ['after_directive', 'after_label', 'first', 'foo', 'in_do', 'in_else', 'in_if', 'voided'],
    );
  });

  it('notes the names the file declares itself, and whether all of them return void', () => {
    const text = 'int proto(void);\nstatic void quiet(int a)\n{\n\tproto();\n}\nstatic struct s *made(void);\nvoid twice(void);\nlong twice(void);\n';
    assert.deepEqual(Object.fromEntries(fileCalls(text).declaredHere), { proto: { void: false }, quiet: { void: true }, made: { void: false }, twice: { void: false } });
  });
});

/** A function declaration as the index files it. */
function fn(name: string, ret: 'void' | 'int', extra: Partial<FunctionDecl> = {}): FunctionDecl {
  const type = ret === 'void' ? ({ k: 'void' } as const) : ({ k: 'int', name: 'int' } as const);
  return { kind: 'function', name, line: 1, ret: type, params: [], variadic: false, static: false, inline: false, definition: false, ...extra };
}

describe('meetsIndexRequirement (ignored-fault-error)', () => {
  const requirement = ignoredFaultError.requiresInIndex as IndexRequirement;
  const knowledge = knowledgeFor([]);
  const files: [string, FileFacts][] = [
    [
      'include/linux/w.h',
      {
        decls: [fn('w_reset', 'void'), fn('w_start', 'int'), fn('w_count', 'int'), fn('w_busy', 'int')],
        includes: [],
      },
    ],
    [
      'drivers/w/core.c',
      {
        decls: [
          fn('w_start', 'int', { definition: true, failure: { errors: [{ code: '-EIO', line: 3 }] } }),
          fn('w_busy', 'int', { definition: true }),
          // Would be reported, but for its row in result-ignored.
          fn('printk', 'int', { definition: true, failure: { errors: [{ code: '-EINVAL', line: 9 }] } }),
        ],
        includes: [],
      },
    ],
    // 19 sites use w_count()'s result, in 19 files; w_busy()'s, 18.
    ...Array.from({ length: 19 }, (_, i): [string, FileFacts] => [
      `drivers/user${i}.c`,
      {
        decls: [
          { kind: 'calls', name: 'w_count', line: 1, used: 1, discarded: 0, voided: 0 },
          ...(i < 18 ? [{ kind: 'calls' as const, name: 'w_busy', line: 2, used: 1, discarded: 0, voided: 0 }] : []),
        ],
        includes: [],
      },
    ]),
  ];
  const index = new TypeIndex(new MemoryDeclSource(files));
  const meets = (...calls: string[]) => meetsIndexRequirement(requirement, { dropped: new Set(calls), declaredHere: new Map() }, index, knowledge);

  it('lets a file through when a dropped callee may fail: an error return in its definition, or a row of error-returning', () => {
    assert.equal(meets('w_start'), true);
    assert.equal(meets('get_user_pages_remote'), true, 'a knowledge row, with no declaration in the index');
  });

  it('stops a file whose dropped callees return void, have no lowercase letter, or are ignored by convention', () => {
    assert.equal(meets('w_reset', 'W_MACRO'), false);
    assert.equal(meets('w_reset', 'W_MACRO', 'w_start'), true, 'one reportable callee is enough');
    assert.ok(knowledge.table(resultIgnoredTable).lookup('printk'), 'printk is a row of result-ignored');
    assert.equal(meets('printk'), false);
  });

  it('trusts the file itself over the index for a callee it declares (the index may have missed a definition)', () => {
    const own = (declaredHere: [string, { void: boolean }][], ...calls: string[]) =>
      meetsIndexRequirement(requirement, { dropped: new Set(calls), declaredHere: new Map(declaredHere) }, index, knowledge);
    assert.equal(own([['local_start', { void: false }]], 'local_start'), true);
    assert.equal(own([['local_reset', { void: true }]], 'local_reset'), false);
    assert.equal(own([['w_reset', { void: false }]], 'w_reset'), true, 'declared here returning a value, though void in the index');
  });

  it('lets a file through for a callee with no visible failure only when 19 sites use its result', () => {
    assert.equal(meets('w_count'), true);
    assert.equal(meets('w_busy'), false);
    assert.equal(meets('unknown_helper'), false, 'nothing in the index, no row');
  });

  it('above low, a callee that fails only by its own error returns needs the callers\' convention, and the callers\' habit alone does not count', () => {
    const aboveLow = (extra: [string, FileFacts][], ...calls: string[]) =>
      meetsIndexRequirement(requirement, { dropped: new Set(calls), declaredHere: new Map() }, new TypeIndex(new MemoryDeclSource([...files, ...extra])), knowledge, undefined, false);
    assert.equal(aboveLow([], 'w_start'), false, 'w_start() returns -EIO, but no site uses its result: only low');
    const users = (name: string, n: number): [string, FileFacts][] =>
      Array.from({ length: n }, (_, i) => [`drivers/${name}-user${i}.c`, { decls: [{ kind: 'calls', name, line: 1, used: 1, discarded: 0, voided: 0 }], includes: [] }]);
    assert.equal(aboveLow(users('w_start', 2), 'w_start'), false, 'two sites: below the convention');
    assert.equal(aboveLow(users('w_start', 3), 'w_start'), true, 'three sites may make the convention (4 sites, 3 of them using it)');
    assert.equal(aboveLow([], 'w_count'), false, 'no visible failure: a deviant call ranks low');
    assert.equal(aboveLow([], 'get_user_pages_remote'), true, 'a knowledge row still counts');
    const passesOn: [string, FileFacts][] = [['drivers/w/wrap.c', { decls: [fn('w_wrap', 'int', { definition: true, failure: { returnsResultOf: ['w_start'] } })], includes: [] }]];
    assert.equal(aboveLow(passesOn, 'w_wrap'), true, 'a callee passing another call\'s result on may reach a path class');
    assert.equal(meets('w_start', 'w_count'), true, 'when the low tier is wanted, both count as before');
  });
});

/** A small kernel tree: a void callee and a failing one, dropped in two files. */
const TREE: FileSet = {
  Makefile: '# test tree\n',
  Kconfig: '# test tree\n',
  'arch/x86/Kconfig': '# test tree\n',
  'include/linux/widget.h': 'struct widget {\n\tint ready;\n\tint state;\n};\nvoid widget_reset(struct widget *w);\nint widget_start(struct widget *w);\n',
  'drivers/widget/core.c': [
    '#include <linux/widget.h>',
    '',
    'void widget_reset(struct widget *w)',
    '{',
    '\tw->state = 0;',
    '}',
    '',
    'int widget_start(struct widget *w)',
    '{',
    '\tif (!w->ready)',
    '\t\treturn -EIO;',
    '\tw->state = 1;',
    '\treturn 0;',
    '}',
    '',
  ].join('\n'),
  'drivers/widget/quiet.c': '#include <linux/widget.h>\n\nint quiet_probe(struct widget *w)\n{\n\twidget_reset(w);\n\tif (w->state)\n\t\treturn 1;\n\treturn 0;\n}\n',
  'drivers/widget/loud.c': '#include <linux/widget.h>\n\nint loud_probe(struct widget *w)\n{\n\twidget_start(w);\n\tif (w->state)\n\t\treturn 1;\n\treturn 0;\n}\n',
};

/** widget_reset() made to fail: the header, the definition. */
const RESET_FAILS: FileSet = {
  'include/linux/widget.h': (TREE['include/linux/widget.h'] as string).replace('void widget_reset', 'int widget_reset'),
  'drivers/widget/core.c': (TREE['drivers/widget/core.c'] as string).replace(
    'void widget_reset(struct widget *w)\n{\n\tw->state = 0;\n}',
    'int widget_reset(struct widget *w)\n{\n\tif (!w->ready)\n\t\treturn -ENODEV;\n\tw->state = 0;\n\treturn 0;\n}',
  ),
};

interface Report {
  findings: { ruleId: string; location: { file: string; line: number } }[];
  stats: { filesParsed: number };
}

describe('the index pre-filter in scan and diff', () => {
  let tmp: string;
  let tree: string;
  let cacheDir: string;
  before(() => {
    tmp = tempDir('prefilter');
    tree = path.join(tmp, 'tree');
    cacheDir = path.join(tmp, 'cache');
    writeFiles(tree, TREE);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const scan = (extra: string[] = []): Report => {
    const r = spawnSync(process.execPath, [CLI, 'scan', 'drivers', '-r', 'ignored-fault-error', '-f', 'json', '--min-confidence', 'low', '--cache-dir', cacheDir, '--no-progress', ...extra], { cwd: tree, encoding: 'utf8' });
    assert.ok(r.status === 0 || r.status === 1, r.stderr);
    return JSON.parse(r.stdout) as Report;
  };
  const places = (report: Report) => report.findings.map((f) => `${f.location.file}:${f.location.line}`);

  it('parses only the file whose dropped call can be reported', () => {
    const report = scan(['--no-result-cache']);
    assert.deepEqual(places(report), ['drivers/widget/loud.c:5']);
    assert.equal(report.stats.filesParsed, 1, 'core.c and quiet.c mention return and if, but drop no reportable call');
  });

  it('analyses a skipped file again when a callee it drops comes to fail (the result cache keeps what the pre-filter read)', () => {
    assert.deepEqual(places(scan()), ['drivers/widget/loud.c:5'], 'the cache filled');
    writeFiles(tree, RESET_FAILS);
    try {
      assert.deepEqual(places(scan()), ['drivers/widget/loud.c:5', 'drivers/widget/quiet.c:5']);
      assert.deepEqual(places(scan(['--no-result-cache'])), ['drivers/widget/loud.c:5', 'drivers/widget/quiet.c:5']);
    } finally {
      writeFiles(tree, { 'include/linux/widget.h': TREE['include/linux/widget.h'], 'drivers/widget/core.c': TREE['drivers/widget/core.c'] });
    }
  });

  it('in diff mode, reads the patched images: a helper the patch adds, a callee another file of the patch makes fail', () => {
    const quiet = TREE['drivers/widget/quiet.c'] as string;
    const after: FileSet = {
      ...RESET_FAILS,
      'drivers/widget/quiet.c': quiet
        .replace('int quiet_probe', 'static int quiet_check(struct widget *w)\n{\n\tif (!w->ready)\n\t\treturn -EAGAIN;\n\treturn 0;\n}\n\nint quiet_probe')
        .replace('\twidget_reset(w);\n', '\tquiet_check(w);\n\twidget_reset(w);\n'),
    };
    const before = Object.fromEntries(Object.keys(after).map((file) => [file, TREE[file]]));
    const patch = path.join(tmp, 'change.patch');
    fs.writeFileSync(patch, diffBetween(before, after));
    const r = spawnSync(process.execPath, [CLI, 'diff', patch, '--tree', tree, '-r', 'ignored-fault-error', '-f', 'json', '--min-confidence', 'low', '--cache-dir', cacheDir], { cwd: tree, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { patches: { findings: { state: string; message: string; location: { file: string; line: number } }[] }[] };
    const introduced = report.patches[0].findings.filter((f) => f.state === 'introduced').map((f) => `${f.location.file}:${f.location.line} ${f.message.split('(')[0]}`);
    assert.deepEqual(introduced, ['drivers/widget/quiet.c:12 quiet_check', 'drivers/widget/quiet.c:13 widget_reset']);
  });
});
