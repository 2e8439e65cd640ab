// The name table store (table-file.ts, table-writer.ts, name-table.ts): the
// same answers as the in-memory source on a tree of real-looking C, with and
// without a delta; keys whose hashes collide; and damage detected, not read.

import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadHints } from '../src/frontend/hints';
import { MemoryDeclSource } from '../src/types/decl-source';
import { factsOfSource } from '../src/types/extract';
import { FileFacts, indexKey, nameSpaceOf } from '../src/types/facts';
import { deltaPathOf, NameTable } from '../src/types/name-table';
import { encodeFacts, keyHash, TableFile } from '../src/types/table-file';
import { writeNameTable, writeTableFile } from '../src/types/table-writer';
import { compareBytewise } from '../src/input/walk';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures');
let tmp: string;
/** Every fixture .c file's facts, by fixture-relative path. */
let tree: Map<string, FileFacts>;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-audit-store-'));
  const hints = loadHints([]);
  tree = new Map();
  for (const rule of fs.readdirSync(FIXTURES).sort()) {
    for (const file of fs.readdirSync(path.join(FIXTURES, rule)).filter((f) => f.endsWith('.c'))) {
      const relative = `${rule}/${file}`;
      tree.set(relative, factsOfSource(relative, fs.readFileSync(path.join(FIXTURES, relative), 'utf8'), { hints, encoding: 'utf8', macros: true }));
    }
  }
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The in-memory source of these files, fed in path order: the order the table answers in. */
function reference(files: Map<string, FileFacts>): MemoryDeclSource {
  return new MemoryDeclSource([...files].sort(([a], [b]) => compareBytewise(a, b)));
}

function assertSameAnswers(table: NameTable, expected: MemoryDeclSource, extraKeys: string[] = []): void {
  const keys = [...expected.keys()];
  assert.ok(keys.length > 0);
  for (const key of [...keys, ...extraKeys]) assert.deepEqual(table.lookup(key), expected.lookup(key), key);
  const files = [...expected.files()].sort(compareBytewise);
  assert.deepEqual(table.files(), files);
  for (const file of files) assert.deepEqual(table.includesOf(file), expected.includesOf(file), file);
}

const variable = (name: string, line = 1): FileFacts['decls'][number] => ({ kind: 'variable', name, line, type: { k: 'int', name: 'int' }, static: false, extern: true });

describe('name table store', () => {
  it('answers every key and every file of the fixture tree as the in-memory source does', () => {
    const file = path.join(tmp, 'fixtures.table');
    writeNameTable(file, tree);
    const table = NameTable.open(file);
    try {
      const kinds = new Set([...tree.values()].flatMap((f) => f.decls.map((d) => d.kind)));
      assert.ok(['struct', 'function', 'calls', 'macro', 'typedef'].every((k) => kinds.has(k as never)), [...kinds].join());
      // Keys that are not there, in every name space, including one that looks like an Object property.
      const absent = ['o:no_such_name', 't:no_such_tag', 'm:NO_SUCH', 'c:no_such_callee', 'o:constructor', 'o:__proto__', ''];
      assertSameAnswers(table, reference(tree), absent);
      assert.equal(table.includesOf('no/such/file.c'), undefined);
    } finally {
      table.close();
    }
  });

  it('answers the same through a delta: changed, added and removed files', () => {
    const file = path.join(tmp, 'layered.table');
    const base = writeNameTable(file, tree);
    const paths = [...tree.keys()];
    const [changed, removed] = [paths[0], paths[1]];
    const after = new Map(tree);
    // The changed file now holds another file's declarations and one of its own.
    const changedFacts: FileFacts = { decls: [...tree.get(paths[2])!.decls, variable('only_after_the_change', 99)], includes: [{ spec: 'new.h', system: false }] };
    after.set(changed, changedFacts);
    after.delete(removed);
    const added = 'zz-new/added.c';
    after.set(added, { decls: [variable('only_after_the_change', 3), ...tree.get(paths[3])!.decls], includes: [] });
    const deltaFiles = [changed, added].sort(compareBytewise);
    writeTableFile(deltaPathOf(file), deltaFiles.map((p) => [p, encodeFacts(after.get(p)!)] as const), 'delta', { tableId: base.tableId, replaced: [changed, removed] });
    const table = NameTable.open(file);
    try {
      assert.equal(table.tableId, 'delta');
      assert.equal(table.fileCount, after.size);
      assertSameAnswers(table, reference(after), [...tree.get(removed)!.decls.map((d) => indexKey(nameSpaceOf(d.kind), d.name))]);
      assert.deepEqual(table.lookup('o:only_after_the_change').map((d) => d.file), [changed, added].sort(compareBytewise));
    } finally {
      table.close();
    }
  });

  it('tells apart keys whose hashes are equal', () => {
    const byHash = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const key = `o:n${i}`;
      const other = byHash.get(keyHash(key));
      if (other) pair = [other, key];
      else byHash.set(keyHash(key), key);
    }
    const names = pair.map((key) => key.slice(2));
    const file = path.join(tmp, 'collision.table');
    // Only the second of the pair is in one table: the first must not be answered with it.
    writeNameTable(file, new Map([['a.c', { decls: [variable(names[1])], includes: [] }]]));
    let table = NameTable.open(file);
    assert.deepEqual(table.lookup(pair[0]), []);
    assert.equal(table.lookup(pair[1])[0].name, names[1]);
    table.close();
    writeNameTable(file, new Map([['a.c', { decls: [variable(names[0], 1), variable(names[1], 2)], includes: [] }]]));
    table = NameTable.open(file);
    assert.deepEqual(pair.map((key) => table.lookup(key).map((d) => [d.name, d.line])), [[[names[0], 1]], [[names[1], 2]]]);
    table.close();
  });

  it('finds every key of a table whose slots wrap around and probe far', () => {
    const names = Array.from({ length: 5000 }, (_, i) => `k${i.toString(36)}`);
    const files = new Map<string, FileFacts>();
    for (let f = 0; f < 7; f++) files.set(`f${f}.h`, { decls: names.filter((_, i) => i % 7 === f || i % 11 === 0).map((n, i) => variable(n, i + 1)), includes: [] });
    const file = path.join(tmp, 'many.table');
    const header = writeNameTable(file, files);
    assert.equal(header.keyCount, names.length);
    assert.ok(header.keyCount / header.slotCount > 0.5, 'a well-filled table');
    const table = NameTable.open(file);
    assertSameAnswers(table, reference(files));
    table.close();
  });
});

describe('a damaged name table', () => {
  let file: string;
  let pristine: Buffer;

  before(() => {
    file = path.join(tmp, 'damaged.table');
    writeNameTable(file, tree);
    pristine = fs.readFileSync(file);
  });

  /** The file with one byte flipped at `offset`; returns what reading every key, path and includes list threw, if anything. */
  function flipAndReadAll(offset: number): unknown {
    const bytes = Buffer.from(pristine);
    bytes[offset] ^= 0x20;
    fs.writeFileSync(file, bytes);
    try {
      const table = NameTable.open(file);
      try {
        for (const key of reference(tree).keys()) table.lookup(key);
        for (const path of table.files()) table.includesOf(path);
      } finally {
        table.close();
      }
    } catch (error) {
      return error;
    }
    return undefined;
  }

  it('is refused, naming the file, wherever one byte of it is changed', () => {
    const header = TableFile.open(path.join(tmp, 'fixtures.table')).header;
    const sections: [string, number][] = [
      ['a record', Math.floor(header.slots / 2)],
      ['the slots', header.slots + Math.floor((header.slotCrcs - header.slots) / 2)],
      ['the slot CRCs', header.slotCrcs],
      ['the path directory', header.pathDir + 4],
      ['the paths', header.paths + 1],
      ['the include directory', header.includeDir + 4],
      ['an include list', header.includes + 6],
      ['the header', header.size - 30],
      ['the trailer', header.size - 1],
    ];
    for (const [what, offset] of sections) {
      const error = flipAndReadAll(offset);
      assert.ok(error instanceof Error, `a change in ${what} went unnoticed`);
      assert.match(error.message, /damaged|not a usable patch-audit name table/, what);
      assert.ok(error.message.includes(file), `${what}: ${error.message}`);
    }
  });

  it('is read as before once whole again', () => {
    fs.writeFileSync(file, pristine);
    assert.equal(flipAndReadAll(0) instanceof Error, true);
    fs.writeFileSync(file, pristine);
    const table = NameTable.open(file);
    assertSameAnswers(table, reference(tree));
    table.close();
  });
});
