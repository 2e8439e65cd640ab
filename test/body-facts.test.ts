// Token-level summaries of function bodies: error returns, returned results,
// and how call results are used.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { bodyFacts } from '../src/types/body-facts';
import { LineIndex } from '../src/frontend/lines';

function summarise(source: string) {
  const lines = new LineIndex(source, 'utf8');
  const facts = bodyFacts(source, (offset) => lines.lineOf(offset));
  const byFunction = new Map<string, unknown>();
  for (const [offset, summary] of facts.failures) {
    const header = source.slice(0, offset);
    const name = /(\w+)\s*\([^()]*\)\s*$/.exec(header)?.[1] ?? `@${offset}`;
    byFunction.set(name, summary);
  }
  return { failures: byFunction, calls: new Map(facts.calls.map((c) => [c.name, c])) };
}

describe('body facts: failure returns', () => {
  it('sees every direct negative errno return, in order, with the parameter test guarding it', () => {
    const { failures } = summarise('int f(int x)\n{\n\tif (x)\n\t\treturn -EINVAL;\n\treturn -ENOMEM;\n}\n');
    assert.deepEqual(failures.get('f'), {
      errors: [
        { code: '-EINVAL', line: 4, guard: [{ param: 0, test: 'nonzero' }] },
        { code: '-ENOMEM', line: 5 },
      ],
    });
  });

  it('sees an errno assigned to a variable that is returned (the goto-out shape)', () => {
    const src = 'int f(void)\n{\n\tint err = 0;\n\tif (a())\n\t\tgoto out;\n\terr = -EFAULT;\nout:\n\treturn err;\n}\n';
    assert.deepEqual(summarise(src).failures.get('f'), { errors: [{ code: '-EFAULT', line: 6 }] });
  });

  it('ignores an errno compared with, or assigned to a variable that is not returned', () => {
    const src = 'int f(int r)\n{\n\tint other;\n\tif (r == -EAGAIN)\n\t\tother = -EIO;\n\treturn 0;\n}\n';
    assert.equal(summarise(src).failures.has('f'), false);
  });

  it('sees PTR_ERR and VM_FAULT_ error codes', () => {
    const { failures } = summarise('int f(void *p)\n{\n\treturn PTR_ERR(p);\n}\nvm_fault_t g(void)\n{\n\treturn VM_FAULT_SIGBUS;\n}\n');
    assert.deepEqual(failures.get('f'), { errors: [{ code: 'PTR_ERR()', line: 3 }] });
    assert.deepEqual(failures.get('g'), { errors: [{ code: 'VM_FAULT_SIGBUS', line: 7 }] });
  });

  it('records whose results are passed on, directly or through the returned variable', () => {
    const src = 'int f(void)\n{\n\tint r;\n\tr = lower(1);\n\tif (x)\n\t\treturn other(2);\n\treturn r;\n}\n';
    assert.deepEqual(summarise(src).failures.get('f'), { returnsResultOf: ['other', 'lower'] });
  });

  it('does not take `return foo(x) + 1` or `return a ? b() : c` as passing a result on', () => {
    const src = 'int f(void)\n{\n\tif (y)\n\t\treturn foo(x) + 1;\n\treturn a ? b() : c;\n}\n';
    assert.equal(summarise(src).failures.has('f'), false);
  });
});

describe('body facts: what decides whether an error can happen', () => {
  it('reads parameter guards: !p, p == NULL, comparisons with constants, || alternatives, through unlikely() and WARN_ON()', () => {
    const src = [
      'int f(void *buf, unsigned int len, int mode)',
      '{',
      '\tif (unlikely(!buf || len > 0x40))',
      '\t\treturn -EINVAL;',
      '\tif (WARN_ON(mode == 3)) {',
      '\t\treturn -EBUSY;',
      '\t}',
      '\tif (buf == NULL)',
      '\t\treturn -EFAULT;',
      '\tif (len > limit)',
      '\t\treturn -E2BIG;',
      '\treturn 0;',
      '}',
    ].join('\n');
    assert.deepEqual(summarise(src).failures.get('f'), {
      errors: [
        { code: '-EINVAL', line: 4, guard: [{ param: 0, test: 'zero' }, { param: 1, test: '>', value: 64 }] },
        { code: '-EBUSY', line: 6, guard: [{ param: 2, test: '==', value: 3 }] },
        { code: '-EFAULT', line: 9, guard: [{ param: 0, test: '==', value: 0 }] },
        { code: '-E2BIG', line: 11 },
      ],
    });
  });

  it('takes the guard of the `if` around an error assigned before a goto, not of an else branch', () => {
    const src = [
      'int f(struct dev *d, int n)',
      '{',
      '\tint err = 0;',
      '\tif (n < 0) {',
      '\t\terr = -ERANGE;',
      '\t\tgoto out;',
      '\t} else {',
      '\t\terr = -EIO;',
      '\t}',
      'out:',
      '\treturn err;',
      '}',
    ].join('\n');
    assert.deepEqual(summarise(src).failures.get('f'), {
      errors: [{ code: '-ERANGE', line: 5, guard: [{ param: 1, test: '<', value: 0 }] }, { code: '-EIO', line: 8 }],
    });
  });

  it('records the config conditions of a definition: the #else of #ifdef, #ifndef, !IS_ENABLED, the #else of an ||', () => {
    const src = [
      '#ifdef CONFIG_FOO',
      'int foo_start(void);',
      '#else',
      'static inline int foo_start(void)',
      '{',
      '\treturn -ENODEV;',
      '}',
      '#endif',
      '#if !IS_ENABLED(CONFIG_BAR)',
      'static inline int bar_start(void) { return -EOPNOTSUPP; }',
      '#endif',
      '#if defined(CONFIG_A) || IS_ENABLED(CONFIG_B)',
      'int ab_start(void);',
      '#else',
      'static inline int ab_start(void) { return -ENOSYS; }',
      '#endif',
      'int plain(void) { return -EIO; }',
    ].join('\n');
    const { failures } = summarise(src);
    assert.deepEqual(failures.get('foo_start'), { errors: [{ code: '-ENODEV', line: 6 }], conditions: ['!CONFIG_FOO'] });
    assert.deepEqual(failures.get('bar_start'), { errors: [{ code: '-EOPNOTSUPP', line: 10 }], conditions: ['!CONFIG_BAR'] });
    assert.deepEqual(failures.get('ab_start'), { errors: [{ code: '-ENOSYS', line: 15 }], conditions: ['!CONFIG_A', '!CONFIG_B'] });
    assert.deepEqual(failures.get('plain'), { errors: [{ code: '-EIO', line: 17 }] });
  });

  it('records the pointer parameters written on every path before the first return', () => {
    const first = 'int f(struct node *np, int *mode)\n{\n\tint err;\n\n\t*mode = -1;\n\terr = g(np);\n\tif (err)\n\t\treturn err;\n\t*mode = err;\n\treturn 0;\n}\n';
    assert.deepEqual((summarise(first).failures.get('f') as { writesFirst?: number[] }).writesFirst, [1]);
    const guarded = 'int f(int *out, int *done)\n{\n\tint rc = -EIO;\n\tif (a())\n\t\tgoto out;\n\trc = b();\nout:\n\tif (done)\n\t\t*done = 3;\n\treturn rc;\n}\n';
    assert.deepEqual((summarise(guarded).failures.get('f') as { writesFirst?: number[] }).writesFirst, [1]);
  });

  it('takes a memset of the parameter as written first, and not a copy of a local a call was given by address, which may itself be unwritten', () => {
    const zeroed = 'int f(struct dev *d, struct info *info)\n{\n\tmemset(info, 0, sizeof(*info));\n\tif (!d)\n\t\treturn -ENODEV;\n\treturn 0;\n}\n';
    assert.deepEqual((summarise(zeroed).failures.get('f') as { writesFirst?: number[] }).writesFirst, [1]);
    const copied = 'int f(struct map *m, unsigned int *dest)\n{\n\tunsigned int val;\n\tint ret = map_read(m, &val);\n\n\t*dest = val;\n\treturn ret;\n}\n';
    assert.equal((summarise(copied).failures.get('f') as { writesFirst?: number[] }).writesFirst, undefined);
    const defined = copied.replace('*dest = val;', '*dest = 0;');
    assert.deepEqual((summarise(defined).failures.get('f') as { writesFirst?: number[] }).writesFirst, [1]);
    const assignedLocal = 'int f(struct map *m, unsigned int *dest)\n{\n\tunsigned int val;\n\tint ret = map_status(m);\n\n\tval = ret ? 0 : 1;\n\t*dest = val;\n\treturn ret;\n}\n';
    assert.deepEqual((summarise(assignedLocal).failures.get('f') as { writesFirst?: number[] }).writesFirst, [1]);
  });

  it('does not take a write after a return, under another test, or past a goto to a later label as written first', () => {
    const late = 'int f(int *v)\n{\n\tif (a())\n\t\treturn -EIO;\n\t*v = 1;\n\treturn 0;\n}\n';
    const tested = 'int f(int *v, int x)\n{\n\tif (x)\n\t\t*v = 1;\n\treturn -EIO;\n}\n';
    const skipped = 'int f(int *v)\n{\n\tif (a())\n\t\tgoto err;\n\t*v = 1;\nerr:\n\treturn -EIO;\n}\n';
    const nested = 'int f(int *v)\n{\n\tif (a()) {\n\t\t*v = 1;\n\t}\n\treturn -EIO;\n}\n';
    for (const src of [late, tested, skipped, nested]) assert.equal((summarise(src).failures.get('f') as { writesFirst?: number[] }).writesFirst, undefined, src);
  });

  it('says a function logs its failure only when every error path logs first', () => {
    const logs = [
      'int f(int x)',
      '{',
      '\tint ret = g(x);',
      '\tif (ret) {',
      '\t\tdev_err(dev, "g failed");',
      '\t\treturn ret;',
      '\t}',
      '\tif (WARN_ON(x > 3))',
      '\t\treturn -EINVAL;',
      '\treturn 0;',
      '}',
    ].join('\n');
    assert.equal((summarise(logs).failures.get('f') as { logs?: true }).logs, true);
    const silentOnce = logs.replace('\tif (WARN_ON(x > 3))', '\tif (x > 3)');
    assert.equal((summarise(silentOnce).failures.get('f') as { logs?: true }).logs, undefined);
  });
});

describe('body facts: call-site uses', () => {
  it('tells discarded, used and (void) calls apart', () => {
    const src = [
      'void f(void)',
      '{',
      '\tint r = get(1);', // used
      '\tget(2);', // discarded
      '\tif (get(3))', // used
      '\t\tget(4);', // discarded (after a control header)
      '\telse',
      '\t\tget(5);', // discarded (after else)
      '\t(void)get(6);', // voided
      '\tlist_for_each_entry(p, head, node)',
      '\t\tget(7);', // discarded (after a for-each macro)
      'out:',
      '\tget(8);', // discarded (after a label)
      '\tr = x ? get(9) : 0;', // used (the ?: operator)
      '\tops->get(10);', // a call through a member: not get()
      '\tuse(get(11));', // used as an argument
      '}',
    ].join('\n');
    const get = summarise(src).calls.get('get');
    assert.deepEqual(get && { used: get.used, discarded: get.discarded, voided: get.voided, line: get.line }, { used: 4, discarded: 5, voided: 1, line: 3 });
  });

  it('does not count keywords, casts or macros in capitals as calls', () => {
    const src = 'void f(void)\n{\n\tif (x)\n\t\twhile (y)\n\t\t\tWARN_ON(sizeof(int) > 4);\n\tr = (int)g();\n}\n';
    const calls = summarise(src).calls;
    assert.deepEqual([...calls.keys()], ['g']);
    assert.equal(calls.get('g')!.used, 1);
  });
});
