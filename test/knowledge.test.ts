// Knowledge tables: the built-in rows, a user's extension, and the messages
// for a file that is not one.

import './support/plain-output';
import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { KnowledgeError, KnowledgeRow, KnowledgeTable, loadKnowledge, parseKnowledge } from '../src/knowledge';

const REPO = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO, 'dist', 'src', 'cli.js');

describe('knowledge tables', () => {
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-knowledge-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads names, globs and quoted fields, and says where each row came from', () => {
    const rows = parseKnowledge('# comment\nfoo  gup  "fewer pages # than asked"\n\n*_unlock "by convention"  # trailing\n', 'x.txt');
    assert.deepEqual(rows, [
      { pattern: 'foo', fields: ['gup', 'fewer pages # than asked'], origin: 'x.txt:2' },
      { pattern: '*_unlock', fields: ['by convention'], origin: 'x.txt:4' },
    ]);
  });

  it('looks up exact names before globs, and built-in rows are there', () => {
    const errors = loadKnowledge().table('error-returning');
    assert.equal(errors.lookup('get_user_pages_remote')?.fields[0], 'gup');
    const ignored = loadKnowledge().table('result-ignored');
    assert.equal(ignored.lookup('spin_unlock')?.pattern, '*_unlock');
    assert.equal(ignored.lookup('spin_lock'), undefined);
  });

  it('reads a row once per name, hands the reader the name a glob matched, and remembers misses', () => {
    const table = new KnowledgeTable('t', parseKnowledge('exact_fn put\n*_unlock release\n', 't.txt'));
    const reads: string[] = [];
    const read = (row: KnowledgeRow, name: string) => {
      reads.push(name);
      return `${name}:${row.fields[0]}`;
    };
    assert.equal(table.parsed('spin_unlock', read), 'spin_unlock:release');
    assert.equal(table.parsed('mutex_unlock', read), 'mutex_unlock:release');
    assert.equal(table.parsed('exact_fn', read), 'exact_fn:put');
    assert.equal(table.parsed('spin_unlock', read), 'spin_unlock:release');
    assert.equal(table.parsed('unknown', read), undefined);
    assert.equal(table.parsed('unknown', read), undefined);
    assert.deepEqual(reads, ['spin_unlock', 'mutex_unlock', 'exact_fn']);
  });

  it("puts a user's rows first, so they override the built-in ones", () => {
    const file = path.join(dir, 'error-returning.txt');
    fs.writeFileSync(file, 'copy_to_user io "my own words"\nmy_driver_fault fault "-EIO"\n');
    const table = loadKnowledge([file]).table('error-returning');
    assert.deepEqual(table.lookup('copy_to_user')?.fields, ['io', 'my own words']);
    assert.equal(table.lookup('my_driver_fault')?.origin, `${file}:2`);
  });

  it('refuses a file not named after a table, a malformed row and a missing file, naming the file', () => {
    const wrong = path.join(dir, 'errors.txt');
    fs.writeFileSync(wrong, 'foo\n');
    assert.throws(() => loadKnowledge([wrong]), (e: Error) => e instanceof KnowledgeError && e.message.includes(wrong) && /error-returning\.txt/.test(e.message));
    const malformed = path.join(dir, 'result-ignored.txt');
    fs.writeFileSync(malformed, 'ok_name "fine"\nfoo->bar "no"\n');
    assert.throws(() => loadKnowledge([malformed]), new RegExp(`${malformed.replace(/[.]/g, '\\.')}:2: 'foo->bar' is not a function name`));
    assert.throws(() => loadKnowledge([path.join(dir, 'nope', 'error-returning.txt')]), /cannot read the knowledge file \(ENOENT\)/);
  });

  it('scan --knowledge: a user row makes a new function known to fail; a bad file is exit 2', () => {
    const source = 'int my_fault_in(unsigned long addr);\n\nvoid worker(unsigned long addr)\n{\n\tmy_fault_in(addr);\n}\n';
    fs.writeFileSync(path.join(dir, 'worker.c'), source);
    const table = path.join(dir, 'error-returning.txt');
    fs.writeFileSync(table, 'my_fault_in fault "-EFAULT when the page cannot be faulted in"\n');
    const env = { ...process.env, PATCH_AUDIT_CACHE_DIR: path.join(dir, 'cache') };
    const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'scan', 'worker.c', '-r', 'ignored-fault-error', '--no-index', ...args], { cwd: dir, encoding: 'utf8', env });
    assert.equal(run([]).status, 0, 'unknown without the row');
    const withRow = run(['--knowledge', table]);
    assert.equal(withRow.status, 1, withRow.stderr);
    assert.match(withRow.stdout, /^worker\.c:5:2: warning: my_fault_in\(\) can fail \(-EFAULT when the page cannot be faulted in\)/m);
    assert.match(withRow.stdout, new RegExp(`note: my_fault_in\\(\\) reports failure as .*\\(${table.replace(/[.]/g, '\\.')}:1\\)`));
    const bad = run(['--knowledge', path.join(dir, 'errors.txt')]);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /errors\.txt: a knowledge file must be named after the table it extends/);
  });
});
