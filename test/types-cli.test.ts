// `patch-audit type` and `type-stats` end to end, on the miniature tree in
// fixtures/types/tree, with a cache of their own.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './support/fixtures';
import { TYPE_TREE } from './support/type-fixtures';

const CLI = path.join(REPO, 'dist/src/cli.js');
let cacheDir = '';

function run(args: string[], cwd = TYPE_TREE): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args, '--cache-dir', cacheDir, '--no-progress'], { cwd, encoding: 'utf8' });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** line:column of the first occurrence of `text` in a fixture file. */
function positionOf(rel: string, text: string): string {
  const lines = fs.readFileSync(path.join(TYPE_TREE, rel), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  assert.ok(line >= 0, `${text} not in ${rel}`);
  return `${line + 1}:${Buffer.byteLength(lines[line].slice(0, lines[line].indexOf(text))) + 1}`;
}

before(() => {
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-types-cli-'));
});
after(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

describe('type', () => {
  const mmu = 'arch/x86/kvm/mmu/mmu.c';

  it('names the type of a member chain and the header that declares it, found from the tree around the file', () => {
    const at = positionOf(mmu, 'mmu_invalidate_seq;');
    const r = run(['type', `${mmu}:${at}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /: vcpu->kvm->mmu_invalidate_seq\n/);
    assert.match(r.stdout, /type: unsigned long \(64-bit unsigned\)/);
    assert.match(r.stdout, /declared: member struct kvm::mmu_invalidate_seq, include\/linux\/kvm_host\.h:17 \(from an included header\)/);
  });

  it('shows typedef chains and the enclosing expressions', () => {
    const at = positionOf(mmu, 'fault->pfn;');
    const r = run(['type', `${mmu}:${at}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /: fault\n/);
    assert.match(r.stdout, /declared: parameter fault/);
    assert.match(r.stdout, /fault->pfn: kvm_pfn_t \(aka hfn_t, u64, __u64, unsigned long long; 64-bit unsigned\)/);
  });

  it('--abi ilp32 makes long 32 bits; --json gives the same facts as data', () => {
    const at = positionOf('mm/conversions.c', 'l + u;');
    const r = run(['type', `mm/conversions.c:${at}`, '--abi', 'ilp32', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    assert.equal(result.expression, 'l');
    assert.deepEqual(result.type.integer, { bits: 32, signed: true });
    assert.equal(result.enclosing[0].expression, 'l + u');
    assert.equal(result.enclosing[0].type.resolved, 'unsigned long');
  });

  it('works on a file outside any tree with the built-in kernel types', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-alone-'));
    try {
      fs.writeFileSync(path.join(dir, 'alone.c'), 'int f(gfn_t gfn)\n{\n\treturn gfn;\n}\n');
      const r = run(['type', 'alone.c:3:9'], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /type: gfn_t \(aka u64, __u64, unsigned long long; 64-bit unsigned\)/);
      assert.match(r.stdout, /no tree: built-in kernel types only/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed location, a missing file and a position past the end, with exit 2', () => {
    for (const [location, message] of [
      ['mmu.c', /expected <file>:<line>:<column>/],
      ['nowhere.c:1:1', /nowhere\.c: no such file/],
      [`${mmu}:9999:1`, /has no line 9999 column 1/],
    ] as const) {
      const r = run(['type', location]);
      assert.equal(r.status, 2, location);
      assert.match(r.stderr, message);
    }
  });
});

describe('type-stats', () => {
  it('counts member accesses and how many resolve: all but the one the fixtures leave unknown on purpose', () => {
    const r = run(['type-stats', '.', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(report.memberAccesses >= 25, String(report.memberAccesses));
    assert.equal(report.resolved, report.memberAccesses - 1);
    assert.equal(report.reasons.length, 1);
    assert.match(report.reasons[0].example, /^mm\/variants\.c:\d+: conflicting definitions of member 'owner'/);
  });

  it('counts implicit integer conversions and the narrowing ones -Wconversion would warn about', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-conversions-'));
    try {
      const source = [
        'int take(int v);',
        'int f(unsigned long seq, short s)',
        '{',
        '\tint a = seq;', // narrowing from a wide type
        '\tlong b = s;', // widening
        '\tunsigned int c = a;', // sign change
        '\tint d = 1;', // constant that fits: GCC is silent
        '\ttake(b);', // narrowing from a wide type
        '\treturn c;', // sign change on return
        '}',
      ].join('\n');
      fs.writeFileSync(path.join(dir, 'conv.c'), source + '\n');
      const report = JSON.parse(run(['type-stats', 'conv.c', '--json'], dir).stdout);
      assert.deepEqual(report.conversions, { conversions: 6, narrowing: 4, narrowingFromWide: 2 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists why accesses do not resolve when the tree lacks a definition', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-unresolved-'));
    try {
      fs.writeFileSync(path.join(dir, 'partial.c'), 'struct known { int a; };\nint f(struct known *k, struct unknown *u)\n{\n\treturn k->a + u->b;\n}\n');
      const r = run(['type-stats', 'partial.c', '--json'], dir);
      const report = JSON.parse(r.stdout);
      assert.equal(report.memberAccesses, 2);
      assert.equal(report.resolved, 1);
      assert.match(report.reasons[0].reason, /no definition of struct X is visible/);
      assert.match(report.reasons[0].example, /^partial\.c:4: /);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
