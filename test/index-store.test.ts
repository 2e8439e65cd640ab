// The on-disk type index: the name table format, the tree root, and builds
// that reuse what did not change.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findKernelRoot, treeRelative } from '../src/types/tree-root';
import { defaultCacheDir } from '../src/types/cache-dir';
import { deltaPathOf, NameTable } from '../src/types/name-table';
import { encodeFacts } from '../src/types/table-file';
import { writeNameTable, writeTableFile } from '../src/types/table-writer';
import { listTreeFiles } from '../src/types/tree-files';
import { buildIndex, IndexBuild, IndexBuildOptions } from '../src/types/build-index';
import { cacheKey } from '../src/types/facts-cache';
import { runIndexCommand } from '../src/commands/index-cmd';
import { UsageError } from '../src/commands/common';
import type { FileFacts, Located, RecordDecl } from '../src/types/facts';

let tmp: string;
let tree: string;
let cacheDir: string;
/** What builds said on their notice channel (a damaged cache). */
const notices: string[] = [];

const FILES: Record<string, string | Buffer> = {
  Makefile: 'all:\n',
  Kconfig: 'mainmenu "test"\n',
  'include/linux/types.h': 'typedef unsigned long long u64;\ntypedef unsigned int u32;\n',
  'include/linux/kvm_host.h': [
    '#include <linux/types.h>',
    '#include <asm/page.h>',
    'struct kvm;',
    'struct kvm_vcpu {',
    '\tstruct kvm *kvm;',
    '\tu64 cpu;',
    '};',
    'int kvm_vcpu_map(struct kvm_vcpu *vcpu, u64 gpa);',
    '',
  ].join('\n'),
  'arch/x86/include/asm/page.h': '#define PAGE_SHIFT 12\n#define PAGE_SIZE (1UL << PAGE_SHIFT)\n',
  'virt/kvm/kvm_main.c': [
    '#include <linux/kvm_host.h>',
    '#include "local.h"',
    'struct kvm {',
    '\tint nr_vcpus;',
    '};',
    'static int halt_poll;',
    'int kvm_vcpu_map(struct kvm_vcpu *vcpu, u64 gpa)',
    '{',
    '\treturn vcpu->kvm->nr_vcpus + halt_poll;',
    '}',
    '',
  ].join('\n'),
  'virt/kvm/local.h': 'enum kvm_mode { KVM_OFF, KVM_ON = 2 };\n',
  // Not UTF-8 (é in Latin-1): indexed all the same, with a warning.
  'drivers/latin1.c': Buffer.concat([Buffer.from('/* caf'), Buffer.from([0xe9]), Buffer.from(' */\nint latin1_counter;\n')]),
  // A NUL byte: binary, skipped, recorded.
  'drivers/blob.c': Buffer.from('int x;\0\x01\x02\n'),
  'Documentation/notes.txt': 'not C\n',
};
const INDEXABLE = Object.keys(FILES).filter((f) => /\.[ch]$/.test(f) && f !== 'drivers/blob.c').length;

function write(relative: string, content: string | Buffer, mtimeSeconds?: number): void {
  const file = path.join(tree, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  // Explicit mtimes: a rewrite within the same clock tick must still look changed.
  if (mtimeSeconds !== undefined) fs.utimesSync(file, mtimeSeconds, mtimeSeconds);
}

function options(extra: Partial<IndexBuildOptions> = {}): IndexBuildOptions {
  return { cacheDir, hintFiles: [], jobs: 1, progress: false, notice: (message) => notices.push(message), ...extra };
}

function packOf(build: IndexBuild): string {
  return path.join(path.dirname(path.dirname(path.dirname(build.tablePath))), 'facts.pack');
}

function manifestOf(build: IndexBuild): string {
  return path.join(path.dirname(build.tablePath), 'manifest.v8');
}

function withTable<T>(build: IndexBuild, use: (table: NameTable) => T): T {
  const table = NameTable.open(build.tablePath);
  try {
    return use(table);
  } finally {
    table.close();
  }
}

before(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-index-')));
  tree = path.join(tmp, 'linux');
  cacheDir = path.join(tmp, 'cache');
  for (const [file, content] of Object.entries(FILES)) write(file, content, 1_700_000_000);
});

after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('tree root', () => {
  it('walks up from a file or a folder to the kernel tree', () => {
    assert.equal(findKernelRoot(path.join(tree, 'virt/kvm/kvm_main.c')), tree);
    assert.equal(findKernelRoot(path.join(tree, 'include/linux')), tree);
    assert.equal(findKernelRoot(tree), tree);
  });

  it('returns null outside any kernel tree', () => {
    assert.equal(findKernelRoot(cacheDir), null);
    assert.equal(findKernelRoot(path.join(tmp, 'no/such/dir')), null);
  });

  it('gives tree-relative posix paths, null outside', () => {
    assert.equal(treeRelative(tree, path.join(tree, 'virt/kvm/kvm_main.c')), 'virt/kvm/kvm_main.c');
    assert.equal(treeRelative(tree, tree), '');
    assert.equal(treeRelative(tree, path.join(tmp, 'linux-other/a.c')), null);
    assert.equal(treeRelative(tree, tmp), null);
  });
});

describe('tree listing', () => {
  it('lists .c and .h files once, follows symlinked files, not symlinked folders, and reports broken links', () => {
    const root = path.join(tmp, 'listing');
    for (const file of ['a.c', 'sub/b.h', 'sub/notes.txt', '.git/x.c']) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), 'int x;\n');
    }
    fs.symlinkSync('sub/b.h', path.join(root, 'link-to-b.h'));
    fs.symlinkSync('sub', path.join(root, 'linked-dir'));
    fs.symlinkSync('nowhere.h', path.join(root, 'broken.h'));
    fs.mkdirSync(path.join(tmp, 'outside'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'outside/o.h'), 'int o;\n');
    fs.symlinkSync(path.join(tmp, 'outside/o.h'), path.join(root, 'sub/outside.h'));
    const listing = listTreeFiles(root, ['.c', '.h']);
    assert.deepEqual(listing.files.map((f) => f.path), ['a.c', 'sub/b.h', 'sub/outside.h']);
    assert.equal(listing.files[0].absolutePath, path.join(root, 'a.c'));
    assert.equal(listing.files[0].size, 7);
    assert.ok(listing.files[0].mtimeMs > 0);
    assert.deepEqual(listing.problems.map((p) => [p.path, p.kind, p.reason]), [['broken.h', 'missing', 'broken symlink to nowhere.h']]);
  });
});

describe('cache directory', () => {
  it('prefers PATCH_AUDIT_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache', () => {
    assert.equal(defaultCacheDir({ PATCH_AUDIT_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }), '/c');
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/patch-audit');
    assert.equal(defaultCacheDir({}), path.join(os.homedir(), '.cache', 'patch-audit'));
  });
});

describe('name table', () => {
  const facts = (names: string[]): FileFacts => ({
    decls: names.map((name, i) => ({ kind: 'variable', name, line: i + 1, type: { k: 'int', name: 'int' }, static: false, extern: true })),
    includes: [{ spec: 'linux/types.h', system: true }],
  });

  it('finds every key, in file order, with the file path; unknown keys give nothing', () => {
    const file = path.join(tmp, 'unit.table');
    const names = Array.from({ length: 3000 }, (_, i) => `var_${i}`);
    writeNameTable(file, new Map([['b.c', facts(names)], ['a.h', facts(['var_7', 'only_in_a'])]]));
    const table = NameTable.open(file);
    try {
      assert.equal(table.fileCount, 2);
      assert.deepEqual(table.files(), ['a.h', 'b.c']);
      for (const name of names) assert.equal(table.lookup(`o:${name}`).at(-1)?.file, 'b.c', name);
      const both = table.lookup('o:var_7');
      assert.deepEqual(both.map((d) => [d.file, d.line]), [['a.h', 1], ['b.c', 8]]);
      assert.equal(table.lookup('o:var_7'), both, 'the same array again');
      assert.deepEqual(table.lookup('o:nothing'), []);
      assert.deepEqual(table.lookup('t:var_7'), []);
      assert.deepEqual(table.lookup('o:constructor'), []);
      assert.deepEqual(table.includesOf('a.h'), [{ spec: 'linux/types.h', system: true }]);
      assert.equal(table.includesOf('c.c'), undefined);
    } finally {
      table.close();
    }
    assert.throws(() => table.lookup('o:var_1'), /closed/);
  });

  it('lets parsed buckets go past its budget, and reads them again the same', () => {
    const file = path.join(tmp, 'budget.table');
    const names = Array.from({ length: 3000 }, (_, i) => `var_${i}`);
    writeNameTable(file, new Map([['b.c', facts(names)], ['a.h', facts(['var_7'])]]));
    const table = NameTable.open(file, { cacheBytes: 1 });
    try {
      const first = table.lookup('o:var_7');
      for (const name of names) table.lookup(`o:${name}`);
      const again = table.lookup('o:var_7');
      assert.notEqual(again, first, 'the bucket was let go and parsed again');
      assert.deepEqual(again, first);
    } finally {
      table.close();
    }
  });

  it('handles keys that need JSON escapes or are not ASCII', () => {
    const file = path.join(tmp, 'odd.table');
    const odd = ['caf\u00e9', 'a"b', 'back\\slash', 'tab\there', '\u{1F600}'];
    writeNameTable(file, new Map([['\u00e9t\u00e9.c', facts(odd)]]));
    const table = NameTable.open(file);
    odd.forEach((name, i) => assert.deepEqual(table.lookup(`o:${name}`).map((d) => [d.file, d.name, d.line]), [['\u00e9t\u00e9.c', name, i + 1]]));
    table.close();
  });

  it('files every key right when the entries are staged in several partitions', () => {
    const file = path.join(tmp, 'big.table');
    const wide = (names: string[]): FileFacts => ({
      decls: names.map((name, i) => ({ kind: 'variable', name, line: i + 1, type: { k: 'named', name: `${name}_t`.repeat(4) }, static: false, extern: false })),
      includes: [],
    });
    const files = new Map<string, FileFacts>();
    for (let f = 0; f < 40; f++) files.set(`f${String(f).padStart(2, '0')}.h`, wide(Array.from({ length: 1000 }, (_, i) => `n${(i * 7 + f) % 1500}`)));
    const header = writeNameTable(file, files);
    assert.ok(header.slots > 4 * 1024 * 1024 * 1.25, `big enough for several partitions: ${header.slots}`);
    const table = NameTable.open(file);
    for (let n = 0; n < 1500; n++) {
      const expected = [...files].filter(([, facts]) => facts.decls.some((d) => d.name === `n${n}`)).map(([p]) => p);
      assert.deepEqual(table.lookup(`o:n${n}`).map((d) => d.file), expected, `n${n}`);
    }
    assert.equal(header.keyCount, 1500);
    table.close();
  });

  it('holds an empty tree', () => {
    const file = path.join(tmp, 'empty.table');
    writeNameTable(file, new Map());
    const table = NameTable.open(file);
    assert.equal(table.fileCount, 0);
    assert.deepEqual(table.lookup('o:x'), []);
    table.close();
  });

  it('lays a delta over its base, and ignores a delta over another base', () => {
    const file = path.join(tmp, 'layered.table');
    const baseId = writeNameTable(
      file,
      new Map([['a.h', facts(['shared', 'only_a'])], ['b.h', facts(['shared', 'only_b'])], ['c.h', facts(['only_c'])], ['e.h', facts(['shared'])]]),
    ).tableId;
    const delta = (base: string) =>
      writeTableFile(deltaPathOf(file), [['b.h', encodeFacts(facts(['only_b2', 'shared']))], ['d.h', encodeFacts(facts(['shared']))]], 'delta-id', {
        tableId: base,
        replaced: ['b.h', 'c.h'],
      });
    delta(baseId);
    let table = NameTable.open(file);
    assert.equal(table.tableId, 'delta-id');
    assert.equal(table.fileCount, 4);
    assert.deepEqual(table.files(), ['a.h', 'b.h', 'd.h', 'e.h']);
    // By path, whichever table each comes from.
    assert.deepEqual(table.lookup('o:shared').map((d) => [d.file, d.line]), [['a.h', 1], ['b.h', 2], ['d.h', 1], ['e.h', 1]]);
    assert.deepEqual(table.lookup('o:only_b'), []);
    assert.deepEqual(table.lookup('o:only_c'), []);
    assert.equal(table.lookup('o:only_b2')[0].file, 'b.h');
    assert.equal(table.lookup('o:only_a')[0].file, 'a.h');
    assert.equal(table.includesOf('c.h'), undefined);
    assert.deepEqual(table.includesOf('d.h'), [{ spec: 'linux/types.h', system: true }]);
    table.close();

    writeNameTable(file, new Map([['a.h', facts(['shared'])]]));
    assert.ok(!fs.existsSync(deltaPathOf(file)), 'a new base drops the delta');
    delta(baseId);
    table = NameTable.open(file);
    assert.notEqual(table.tableId, 'delta-id');
    assert.deepEqual(table.files(), ['a.h']);
    assert.deepEqual(table.lookup('o:shared').map((d) => d.file), ['a.h']);
    table.close();
  });

  it('refuses a truncated table and a file that is not a table', () => {
    const file = path.join(tmp, 'cut.table');
    writeNameTable(file, new Map([['a.c', facts(['a'])]]));
    fs.truncateSync(file, fs.statSync(file).size - 1);
    assert.throws(() => NameTable.open(file), /not a usable patch-audit name table/);
    fs.writeFileSync(file, 'hello');
    assert.throws(() => NameTable.open(file), /not a usable patch-audit name table/);
  });
});

describe('building the index of a tree', () => {
  let cold: IndexBuild;

  it('extracts every file on a cold build; a binary file is skipped and a Latin-1 one indexed', async () => {
    cold = await buildIndex(tree, options());
    const s = cold.stats;
    assert.equal(s.files, INDEXABLE);
    assert.equal(s.extracted, INDEXABLE);
    assert.equal(s.reused, 0);
    assert.ok(s.bytesRead > 0);
    assert.deepEqual(s.skipped.map((p) => [p.path, p.kind]), [['drivers/blob.c', 'binary']]);
    assert.deepEqual(s.warnings.map((p) => [p.path, p.kind]), [['drivers/latin1.c', 'not-utf8']]);
    assert.equal(s.macroSkipped, 0);
    assert.ok(s.cacheBytes > 0);
    assert.equal(s.wrote, 'base');
    assert.ok((s.decls.struct ?? 0) >= 2 && (s.decls.typedef ?? 0) >= 2 && (s.decls.macro ?? 0) >= 2, JSON.stringify(s.decls));
    assert.ok(cold.tablePath.startsWith(cacheDir + path.sep));
  });

  it('looks declarations up by key, with tree-relative paths', () => {
    withTable(cold, (table) => {
      const vcpu = table.lookup('t:kvm_vcpu') as readonly Located<RecordDecl>[];
      assert.equal(vcpu.length, 1);
      assert.equal(vcpu[0].file, 'include/linux/kvm_host.h');
      assert.equal(vcpu[0].kind, 'struct');
      assert.equal(vcpu[0].line, 4);
      assert.deepEqual(vcpu[0].members.map((m) => m.name), ['kvm', 'cpu']);
      assert.deepEqual(vcpu[0].members[1].type, { k: 'named', name: 'u64' });

      const map = table.lookup('o:kvm_vcpu_map');
      assert.deepEqual(
        map.map((d) => [d.file, d.kind, d.line, d.kind === 'function' && d.definition]),
        [
          ['include/linux/kvm_host.h', 'function', 8, false],
          ['virt/kvm/kvm_main.c', 'function', 7, true],
        ],
      );
      assert.deepEqual(table.lookup('m:PAGE_SHIFT').map((d) => [d.file, d.kind === 'macro' && d.body]), [
        ['arch/x86/include/asm/page.h', '12'],
      ]);
      assert.equal(table.lookup('o:u64')[0].file, 'include/linux/types.h');
      assert.equal(table.lookup('o:KVM_ON')[0].file, 'virt/kvm/local.h');
      assert.equal(table.lookup('o:latin1_counter')[0].file, 'drivers/latin1.c');
      assert.equal(table.lookup('t:kvm')[0].file, 'virt/kvm/kvm_main.c');
      assert.deepEqual(table.includesOf('virt/kvm/kvm_main.c'), [
        { spec: 'linux/kvm_host.h', system: true },
        { spec: 'local.h', system: false },
      ]);
      assert.equal(table.includesOf('drivers/blob.c'), undefined);
    });
  });

  it('reads nothing and rewrites nothing when nothing changed', async () => {
    const tableBefore = fs.statSync(cold.tablePath);
    const warm = await buildIndex(tree, options());
    assert.equal(warm.stats.extracted, 0);
    assert.equal(warm.stats.bytesRead, 0);
    assert.equal(warm.stats.rehashed, 0);
    assert.equal(warm.stats.wrote, 'nothing');
    assert.equal(warm.stats.reused, INDEXABLE);
    assert.equal(warm.stats.files, INDEXABLE);
    assert.deepEqual(warm.stats.skipped.map((p) => p.path), ['drivers/blob.c'], 'still reported, not read again');
    assert.deepEqual(warm.stats.decls, cold.stats.decls);
    assert.equal(fs.statSync(warm.tablePath).mtimeMs, tableBefore.mtimeMs);
  });

  it('re-extracts exactly the one file that changed', async () => {
    write('virt/kvm/local.h', 'enum kvm_mode { KVM_OFF, KVM_ON = 2, KVM_PAUSED };\n', 1_700_000_100);
    const baseBefore = fs.statSync(cold.tablePath).mtimeMs;
    const warm = await buildIndex(tree, options());
    assert.equal(warm.stats.extracted, 1);
    assert.equal(warm.stats.rehashed, 1);
    assert.equal(warm.stats.reused, INDEXABLE - 1);
    assert.equal(warm.stats.wrote, 'delta');
    assert.equal(fs.statSync(cold.tablePath).mtimeMs, baseBefore, 'the base table stands');
    assert.equal(warm.stats.decls.enumerator, (cold.stats.decls.enumerator ?? 0) + 1);
    withTable(warm, (table) => {
      assert.equal(table.lookup('o:KVM_PAUSED')[0]?.file, 'virt/kvm/local.h');
      assert.deepEqual(table.lookup('o:KVM_ON').map((d) => d.file), ['virt/kvm/local.h'], 'the old declaration is hidden');
      assert.equal(table.fileCount, INDEXABLE);
    });
  });

  it('hashes but does not re-extract a file whose mtime changed and content did not', async () => {
    const file = path.join(tree, 'include/linux/types.h');
    fs.utimesSync(file, 1_700_000_200, 1_700_000_200);
    const tableBefore = fs.statSync(cold.tablePath).mtimeMs;
    const warm = await buildIndex(tree, options());
    assert.equal(warm.stats.extracted, 0);
    assert.equal(warm.stats.rehashed, 1);
    assert.equal(warm.stats.bytesRead, fs.statSync(file).size);
    assert.equal(warm.stats.wrote, 'manifest');
    assert.equal(fs.statSync(warm.tablePath).mtimeMs, tableBefore, 'same content: the table stands');
    const again = await buildIndex(tree, options());
    assert.equal(again.stats.rehashed, 0, 'the new mtime was remembered');
  });

  it('reuses facts by content: a file changed back is not parsed again', async () => {
    write('virt/kvm/local.h', FILES['virt/kvm/local.h'], 1_700_000_300);
    const reverted = await buildIndex(tree, options());
    assert.equal(reverted.stats.extracted, 0);
    assert.equal(reverted.stats.rehashed, 1);
    withTable(reverted, (table) => assert.deepEqual(table.lookup('o:KVM_PAUSED'), []));
    // Nor is a copy of a file with known content.
    write('virt/kvm/copy.h', FILES['virt/kvm/local.h'], 1_700_000_300);
    const copied = await buildIndex(tree, options());
    assert.equal(copied.stats.extracted, 0);
    assert.equal(copied.stats.files, INDEXABLE + 1);
    withTable(copied, (table) => assert.deepEqual(table.lookup('o:KVM_ON').map((d) => d.file), ['virt/kvm/copy.h', 'virt/kvm/local.h']));
  });

  it('drops the declarations of a deleted file', async () => {
    fs.rmSync(path.join(tree, 'virt/kvm/copy.h'));
    fs.rmSync(path.join(tree, 'arch/x86/include/asm/page.h'));
    const warm = await buildIndex(tree, options());
    assert.equal(warm.stats.removed, 2);
    assert.equal(warm.stats.extracted, 0);
    assert.equal(warm.stats.files, INDEXABLE - 1);
    withTable(warm, (table) => {
      assert.equal(table.fileCount, INDEXABLE - 1);
      assert.ok(!table.files().includes('arch/x86/include/asm/page.h'));
      assert.deepEqual(table.lookup('m:PAGE_SHIFT'), []);
      assert.deepEqual(table.lookup('o:KVM_ON').map((d) => d.file), ['virt/kvm/local.h']);
      assert.equal(table.includesOf('arch/x86/include/asm/page.h'), undefined);
    });
    write('arch/x86/include/asm/page.h', FILES['arch/x86/include/asm/page.h'], 1_700_000_000);
  });

  it('indexes a binary file once it becomes text, and forgets its problem', async () => {
    write('drivers/blob.c', 'int blob_now_text;\n', 1_700_000_400);
    const warm = await buildIndex(tree, options());
    assert.deepEqual(warm.stats.skipped, []);
    withTable(warm, (table) => assert.equal(table.lookup('o:blob_now_text')[0]?.file, 'drivers/blob.c'));
    write('drivers/blob.c', FILES['drivers/blob.c'], 1_700_000_500);
    const binaryAgain = await buildIndex(tree, options());
    assert.deepEqual(binaryAgain.stats.skipped.map((p) => p.path), ['drivers/blob.c']);
    withTable(binaryAgain, (table) => assert.deepEqual(table.lookup('o:blob_now_text'), []));
  });

  it('rebuilds the base when the delta would grow too large', async () => {
    write('include/linux/types.h', 'typedef unsigned long long u64;\ntypedef unsigned int u32;\ntypedef int s32;\n', 1_700_000_600);
    const rebuilt = await buildIndex(tree, options({ maxDeltaFiles: 1 }));
    assert.equal(rebuilt.stats.wrote, 'base');
    assert.equal(rebuilt.stats.extracted, 1);
    assert.ok(!fs.existsSync(deltaPathOf(rebuilt.tablePath)));
    withTable(rebuilt, (table) => {
      assert.equal(table.lookup('o:s32')[0]?.file, 'include/linux/types.h');
      assert.equal(table.lookup('m:PAGE_SHIFT')[0]?.file, 'arch/x86/include/asm/page.h');
      assert.equal(table.fileCount, rebuilt.stats.files);
    });
    const warm = await buildIndex(tree, options());
    assert.equal(warm.stats.wrote, 'nothing');
  });

  it('rebuilds from scratch on request, and when the table is damaged, and says so', async () => {
    const rebuilt = await buildIndex(tree, options({ rebuild: true }));
    assert.equal(rebuilt.stats.extracted, INDEXABLE);
    fs.truncateSync(rebuilt.tablePath, 10);
    notices.length = 0;
    const repaired = await buildIndex(tree, options());
    assert.equal(repaired.stats.extracted, 0, 'the facts are still in the pack');
    assert.equal(repaired.stats.wrote, 'base');
    assert.deepEqual(notices, [`cache: the name table ${rebuilt.tablePath} is damaged (${rebuilt.tablePath} is not a usable patch-audit name table: too short); it is rebuilt`]);
    assert.deepEqual(repaired.stats.notices, notices);
    withTable(repaired, (table) => assert.equal(table.fileCount, INDEXABLE));
    fs.writeFileSync(repaired.tablePath, 'garbage, but long enough to have a trailer: '.repeat(10));
    const again = await buildIndex(tree, options());
    assert.equal(again.stats.wrote, 'base');
    assert.match(again.stats.notices.join('\n'), /no name table trailer/);
  });

  it('extracts again what a truncated facts pack lost, and nothing else, and says so', async () => {
    const pack = packOf(cold);
    fs.truncateSync(pack, Math.floor(fs.statSync(pack).size / 2));
    write('virt/kvm/local.h', 'enum kvm_mode { KVM_OFF, KVM_ON = 2, KVM_HALF };\n', 1_700_000_700);
    const repaired = await buildIndex(tree, options());
    assert.ok(repaired.stats.extracted > 1 && repaired.stats.extracted < INDEXABLE, String(repaired.stats.extracted));
    assert.equal(repaired.stats.notices.length, 1);
    assert.match(repaired.stats.notices[0], /^cache: the facts pack .*facts\.pack has \d+ unreadable bytes after byte \d+ \(truncated or damaged\); what it lost is extracted again$/);
    withTable(repaired, (table) => {
      assert.equal(table.lookup('o:KVM_HALF')[0]?.file, 'virt/kvm/local.h');
      assert.equal(table.lookup('t:kvm_vcpu')[0]?.file, 'include/linux/kvm_host.h');
      assert.equal(table.fileCount, repaired.stats.files);
    });
    fs.truncateSync(repaired.tablePath, 10);
    const rebuilt = await buildIndex(tree, options());
    assert.equal(rebuilt.stats.extracted, 0, 'the pack has everything again');
    assert.equal(rebuilt.stats.wrote, 'base');
    withTable(rebuilt, (table) => assert.equal(table.lookup('o:KVM_HALF')[0]?.file, 'virt/kvm/local.h'));
  });

  it('never trusts a pack record whose bytes changed: the checksum catches it, the file is extracted again', async () => {
    const pack = packOf(cold);
    const bytes = fs.readFileSync(pack);
    // Flip a byte in the middle of the last record's body, then make the table need that record.
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(pack, bytes);
    fs.truncateSync(cold.tablePath, 10);
    const rebuilt = await buildIndex(tree, options());
    assert.equal(rebuilt.stats.extracted, 1);
    assert.ok(rebuilt.stats.notices.some((n) => /^cache: 1 damaged record\(s\) in the facts pack .* \(checksum or content\); those files are extracted again$/.test(n)), rebuilt.stats.notices.join('\n'));
    withTable(rebuilt, (table) => assert.equal(table.fileCount, rebuilt.stats.files));
    fs.truncateSync(rebuilt.tablePath, 10);
    const again = await buildIndex(tree, options());
    assert.equal(again.stats.extracted, 0, 'the record was written again');
    assert.ok(again.stats.notices.every((n) => !/damaged record/.test(n)));
  });

  it('rebuilds a pack that is not a pack, and a manifest that is not a manifest, saying so', async () => {
    fs.writeFileSync(packOf(cold), 'not a pack at all');
    fs.writeFileSync(manifestOf(cold), 'not a manifest either');
    const rebuilt = await buildIndex(tree, options());
    assert.deepEqual(
      rebuilt.stats.notices.map((n) => n.replace(/ \/\S+/, ' PATH')),
      [
        "cache: the manifest PATH is not readable as a manifest (truncated or damaged); this tree's index is rebuilt",
        'cache: the facts pack PATH is not a facts pack of this version; what it lost is extracted again',
      ],
    );
    assert.equal(rebuilt.stats.extracted, rebuilt.stats.files);
    const warm = await buildIndex(tree, options());
    assert.equal(warm.stats.wrote, 'nothing');
    assert.deepEqual(warm.stats.notices, []);
  });

  it('keys the cache by the hints: other hints never reuse these facts', async () => {
    const hints = path.join(tmp, 'extra-hints.h');
    fs.writeFileSync(hints, '#define __my_annotation\n');
    assert.notEqual(cacheKey([hints]), cacheKey([]));
    const other = await buildIndex(tree, options({ hintFiles: [hints] }));
    assert.notEqual(other.tablePath, cold.tablePath);
    assert.equal(other.stats.extracted, INDEXABLE);
    fs.writeFileSync(hints, '#define __my_other_annotation\n');
    assert.notEqual(cacheKey([hints]), cacheKey([]));
    const changedHints = await buildIndex(tree, options({ hintFiles: [hints] }));
    assert.equal(changedHints.stats.extracted, INDEXABLE);
  });
});

describe('patch-audit index', () => {
  it('renders the figures as text, and exits 2 when a file was skipped', async () => {
    const r = await runIndexCommand({ tree: path.join(tree, 'virt'), cacheDir, hintFiles: [], jobs: 1, progress: false, rebuild: false, json: false });
    assert.equal(r.exitCode, 2);
    assert.match(r.output, new RegExp(`^tree: ${tree}$`, 'm'));
    assert.match(r.output, new RegExp(`^files indexed: ${INDEXABLE}$`, 'm'));
    assert.match(r.output, /^extracted \(read and parsed\): 0$/m);
    assert.match(r.output, /^ {2}drivers\/blob\.c: contains a NUL byte/m);
  });

  it('renders JSON, and exits 0 when every file was indexed', async () => {
    fs.rmSync(path.join(tree, 'drivers/blob.c'));
    const r = await runIndexCommand({ tree, cacheDir, hintFiles: [], jobs: 1, progress: false, rebuild: false, json: true });
    assert.equal(r.exitCode, 0);
    const parsed = JSON.parse(r.output) as IndexBuild;
    assert.equal(parsed.root, tree);
    assert.equal(parsed.stats.files, INDEXABLE);
    assert.equal(parsed.stats.removed, 1);
  });

  it('is a usage error outside a kernel tree', async () => {
    const cwd = process.cwd();
    process.chdir(cacheDir);
    try {
      await assert.rejects(
        runIndexCommand({ cacheDir, hintFiles: [], jobs: 1, progress: false, rebuild: false, json: false }),
        (e: unknown) => e instanceof UsageError && /not in a kernel tree/.test(e.message),
      );
    } finally {
      process.chdir(cwd);
    }
    await assert.rejects(
      runIndexCommand({ tree: path.join(tree, 'Makefile'), cacheDir, hintFiles: [], jobs: 1, progress: false, rebuild: false, json: false }),
      UsageError,
    );
  });
});
