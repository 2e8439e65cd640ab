// Whether a callee's failure can happen at one call: constant arguments
// against its guards, a config stub against how the caller's file is built.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadHints } from '../src/frontend/hints';
import { parseFile, SyntaxNode } from '../src/frontend/parse';
import { failureAtCall } from '../rules/ignored-fault-error/failure-at-call';
import type { Failure, FailureInference } from '../rules/ignored-fault-error/failure';
import type { KbuildView, KbuildAnswer } from '../src/kernel/kbuild';
import type { FunctionDecl, Located } from '../src/types/facts';

const hints = loadHints();
const nothingFails = { failureOf: () => null, definitions: () => [definition] } as unknown as FailureInference;

function callIn(source: string): SyntaxNode {
  const file = parseFile('t.c', source, { hints });
  const stack = [file.tree.rootNode];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.type === 'call_expression') return node;
    stack.push(...node.namedChildren);
  }
  throw new Error('no call');
}

const definition = {
  kind: 'function', name: 'set_level', file: 'lib/level.c', line: 3, definition: true, static: false, inline: false, variadic: false,
  ret: { k: 'int', name: 'int' }, params: [{ name: 'dev', type: { k: 'unknown', why: '' } }, { name: 'level', type: { k: 'int', name: 'int' } }],
} as unknown as Located<FunctionDecl>;

const guarded: Failure = {
  looksLike: '-EINVAL',
  steps: [],
  definition,
  errors: [
    { code: '-EINVAL', line: 5, guard: [{ param: 0, test: 'zero' }] },
    { code: '-ERANGE', line: 7, guard: [{ param: 1, test: '>', value: 7 }] },
  ],
};

const kbuildSaying = (answer: KbuildAnswer): KbuildView => ({ requires: () => ({ answer, steps: [`drivers/x/Makefile:2 builds x.o under CONFIG_X_DRIVER`] }) });

describe('failure at a call', () => {
  it('does not count errors whose guards the constant arguments never trip', () => {
    const verdict = failureAtCall('set_level', guarded, callIn('void f(void) { set_level(&local_dev, 3); }'), nothingFails, null, '');
    assert.equal(verdict.verdict, 'cannot');
    assert.deepEqual(verdict.steps, [
      "-EINVAL at lib/level.c:5 only when !dev: not with '&local_dev' (cannot happen here)",
      "-ERANGE at lib/level.c:7 only when level > 7: not with '3' (cannot happen here)",
    ]);
  });

  it('counts them when an argument may trip a guard, or is not a constant', () => {
    assert.equal(failureAtCall('set_level', guarded, callIn('void f(void) { set_level(&d, 9); }'), nothingFails, null, '').verdict, 'counts');
    assert.equal(failureAtCall('set_level', guarded, callIn('void f(void) { set_level(NULL, 1); }'), nothingFails, null, '').verdict, 'counts');
    assert.equal(failureAtCall('set_level', guarded, callIn('void f(int n) { set_level(&d, n); }'), nothingFails, null, '').verdict, 'counts');
  });

  it('counts them when the callee also passes on a callee that fails or is not in sight', () => {
    const passing: Failure = { ...guarded, passesOn: ['lower'] };
    const lowerFails = { failureOf: (name: string) => (name === 'lower' ? guarded : null), definitions: () => [definition] } as unknown as FailureInference;
    assert.equal(failureAtCall('set_level', passing, callIn('void f(void) { set_level(&d, 3); }'), lowerFails, null, '').verdict, 'counts');
    const lowerUnseen = { failureOf: () => null, definitions: () => [] } as unknown as FailureInference;
    assert.equal(failureAtCall('set_level', passing, callIn('void f(void) { set_level(&d, 3); }'), lowerUnseen, null, '').verdict, 'counts');
    assert.equal(failureAtCall('set_level', passing, callIn('void f(void) { set_level(&d, 3); }'), nothingFails, null, '').verdict, 'cannot');
  });

  it("decides a config stub's error by the caller's build: cannot, counts, undecided", () => {
    const stub: Failure = { looksLike: '-ENODEV', steps: [], stub: { symbols: ['CONFIG_X'], file: 'include/x.h', line: 20 } };
    const call = callIn('void f(void) { x_start(); }');
    const cannot = failureAtCall('x_start', stub, call, nothingFails, kbuildSaying('yes'), '');
    assert.equal(cannot.verdict, 'cannot');
    assert.equal(cannot.steps.at(-1), 'x_start() fails only in the !CONFIG_X stub at include/x.h:20, and this file is built only with CONFIG_X (cannot happen here)');
    assert.equal(failureAtCall('x_start', stub, call, nothingFails, kbuildSaying('no'), '').verdict, 'counts');
    assert.equal(failureAtCall('x_start', stub, call, nothingFails, kbuildSaying('unknown'), '').verdict, 'undecided');
    assert.equal(failureAtCall('x_start', stub, call, nothingFails, null, '').verdict, 'undecided');
  });

  it('counts -ENOKEY when the file uses a keyed hash', () => {
    const enokey: Failure = { looksLike: '-ENOKEY', steps: [], definition, errors: [{ code: '-ENOKEY', line: 4 }] };
    const call = callIn('void f(struct shash_desc *d) { crypto_shash_init(d); }');
    assert.equal(failureAtCall('crypto_shash_init', enokey, call, nothingFails, null, 'tfm = crypto_alloc_shash("sha256", 0, 0);').verdict, 'cannot');
    assert.equal(failureAtCall('crypto_shash_init', enokey, call, nothingFails, null, 'tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);').verdict, 'counts');
  });
});
