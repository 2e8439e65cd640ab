// Knowledge tables: the built-in rows, a user's extension, and the messages
// for a file that is not one.

import './support/plain-output';
import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { badRow, defineTable, KnowledgeError, KnowledgeRow, KnowledgeTable, loadKnowledge, parseKnowledge } from '../src/knowledge';
import { errorReturningTable, resultIgnoredTable } from '../rules/ignored-fault-error/tables';

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
    const errors = loadKnowledge().table(errorReturningTable);
    assert.equal(errors.lookup('get_user_pages_remote')?.fields[0], 'gup');
    assert.equal(errors.get('get_user_pages_remote')?.pathClass, 'gup');
    const ignored = loadKnowledge().table(resultIgnoredTable);
    assert.equal(ignored.lookup('spin_unlock')?.pattern, '*_unlock');
    assert.equal(ignored.lookup('spin_lock'), undefined);
  });

  it('reads a row once per name, hands the reader the name a glob matched, and remembers misses', () => {
    const reads: string[] = [];
    const definition = defineTable({
      name: 't',
      columns: 'what',
      parse: (row: KnowledgeRow, name: string) => {
        reads.push(name);
        return `${name}:${row.fields[0]}`;
      },
    });
    const table = new KnowledgeTable(definition, parseKnowledge('exact_fn put\n*_unlock release\n', 't.txt'));
    assert.deepEqual(reads, ['exact_fn', '*_unlock'], 'every row is read once when the table is made');
    assert.equal(table.get('spin_unlock'), 'spin_unlock:release');
    assert.equal(table.get('mutex_unlock'), 'mutex_unlock:release');
    assert.equal(table.get('exact_fn'), 'exact_fn:put');
    assert.equal(table.get('spin_unlock'), 'spin_unlock:release');
    assert.equal(table.get('unknown'), undefined);
    assert.equal(table.get('unknown'), undefined);
    assert.deepEqual(reads, ['exact_fn', '*_unlock', 'spin_unlock', 'mutex_unlock']);
  });

  it("puts a user's rows first, so they override the built-in ones", () => {
    const file = path.join(dir, 'error-returning.txt');
    fs.writeFileSync(file, 'copy_to_user io "my own words"\nmy_driver_fault fault "-EIO"\n');
    const table = loadKnowledge([file]).table(errorReturningTable);
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

  it('reads every row when the table is made: a bad row is one line with its file:line and what was expected', () => {
    const definition = defineTable({
      name: 'colours',
      columns: 'colour (red, blue)',
      parse: (row: KnowledgeRow) => (['red', 'blue'].includes(row.fields[0]) ? row.fields[0] : badRow(`colour '${row.fields[0] ?? ''}' is not red or blue`)),
    });
    assert.throws(
      () => new KnowledgeTable(definition, parseKnowledge('good red\nbad green\n', 'colours.txt')),
      (e: Error) => e instanceof KnowledgeError && e.message === "colours.txt:2: colour 'green' is not red or blue; expected: name, colour (red, blue)",
    );
    const other = defineTable({ name: 'other', columns: 'x', parse: () => { throw new TypeError('a bug in the parser'); } });
    assert.throws(() => new KnowledgeTable(other, parseKnowledge('f x\n', 'o.txt')), TypeError, 'a parser bug is not reported as a bad row');
  });

  it("validate() refuses a user's row that fits no table, before any table is used", () => {
    const file = path.join(dir, 'error-returning.txt');
    fs.writeFileSync(file, 'my_fault fault "-EFAULT"\nthis row is not valid for any table\n');
    const knowledge = loadKnowledge([file]);
    assert.throws(
      () => knowledge.validate([errorReturningTable, resultIgnoredTable]),
      new RegExp(`${file.replace(/[.]/g, '\\.')}:2: path class 'row' is not one of fault, gup, copy, alloc, io; expected: name, path class`),
    );
    const quoted = path.join(dir, 'result-ignored.txt');
    fs.writeFileSync(quoted, 'my_log written without quotes\n');
    assert.throws(() => loadKnowledge([quoted]).validate([resultIgnoredTable]), /result-ignored\.txt:1: 'without' is one column too many/);
  });

  it('scan --knowledge with a bad row: one line naming file:line, exit 2, nothing analysed', () => {
    const file = path.join(dir, 'error-returning.txt');
    fs.writeFileSync(file, 'this row is not valid for any table\n');
    const run = spawnSync(process.execPath, [CLI, 'scan', '--knowledge', file, 'examples/', '--no-index', '--no-result-cache'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      `patch-audit: ${file}:1: path class 'row' is not one of fault, gup, copy, alloc, io; expected: name, path class (fault, gup, copy, alloc, io), "what failure looks like"\n`,
    );
  });

  it("a user's row reaches the rule's pre-filter: a file naming only the new revoker is analysed", () => {
    const source = 'struct page;\nvoid unmap_for_guest(struct page *page);\nvoid clear_page(void *addr);\nvoid *page_address(struct page *page);\n\nvoid give_back(struct page *page)\n{\n\tunmap_for_guest(page);\n\tclear_page(page_address(page));\n}\n';
    fs.writeFileSync(path.join(dir, 'give.c'), source);
    const table = path.join(dir, 'access-ordering.txt');
    fs.writeFileSync(table, 'unmap_for_guest revoke 0 "hands the page to the guest"\n');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, 'scan', 'give.c', '-r', 'access-after-arch-free', '--no-index', '--no-result-cache', '-f', 'json', ...args], { cwd: dir, encoding: 'utf8' });
    const without = JSON.parse(run([]).stdout);
    assert.equal(without.findings.length, 0);
    assert.equal(without.stats.filesSkippedByPrefilter, 1, 'without the row, no built-in revoker is named: the file is not parsed');
    const withRow = run(['--knowledge', table]);
    assert.equal(withRow.status, 1, withRow.stderr);
    const found = JSON.parse(withRow.stdout).findings;
    assert.deepEqual(found.map((f: { location: { line: number }; message: string }) => [f.location.line, f.message]), [
      [9, "clear_page() touches the contents of 'page' after unmap_for_guest() revoked access to them (line 8)"],
    ]);
  });
});
