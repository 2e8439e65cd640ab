// `npm run new-rule <id>` in a copy of the repository: it writes the rule's
// own files and nothing else, and the new rule passes the meta test and its
// fixture tests as written. Bad ids are refused before anything is written.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './support/fixtures';

const SCAFFOLD = path.join(REPO, 'dist/tools/new-rule.js');
const COPIED = ['data', 'examples', 'fixtures', 'rules', 'schemas', 'src', 'test', 'tools', 'bench', 'vendor', 'package.json', 'tsconfig.json'];

function filesUnder(root: string, dir = ''): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) return [];
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : filesUnder(root, rel);
    return [rel];
  });
}

describe('npm run new-rule', () => {
  let copy: string;
  before(() => {
    copy = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-new-rule-'));
    for (const entry of COPIED) fs.cpSync(path.join(REPO, entry), path.join(copy, entry), { recursive: true });
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(copy, 'node_modules'));
  });
  after(() => fs.rmSync(copy, { recursive: true, force: true }));

  it('refuses an id that is not kebab-case, or a rule that exists, with exit 2 and nothing written', () => {
    const before = filesUnder(REPO).length;
    for (const [id, message] of [
      ['NotKebab', /'NotKebab' is not a rule id/],
      ['single', /'single' is not a rule id/],
      ['zero-page-refcount', /rule 'zero-page-refcount' exists already: rules\/zero-page-refcount\.ts/],
    ] as const) {
      const run = spawnSync(process.execPath, [SCAFFOLD, id], { encoding: 'utf8' });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, message);
    }
    assert.equal(filesUnder(REPO).length, before);
  });

  it("writes only the rule's own files, and its tests pass", { timeout: 600_000 }, () => {
    const before = new Set(filesUnder(copy));
    const run = spawnSync('npm', ['run', 'new-rule', '--', 'dropped-widget-commit'], { cwd: copy, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const added = filesUnder(copy).filter((file) => !before.has(file)).sort();
    assert.deepEqual(added, [
      'fixtures/dropped-widget-commit/bad-check-dropped.patch',
      'fixtures/dropped-widget-commit/bad-check-dropped.patch.snap',
      'fixtures/dropped-widget-commit/bad-discarded-result.c',
      'fixtures/dropped-widget-commit/bad-discarded-result.c.snap',
      'fixtures/dropped-widget-commit/good-check-restored.patch',
      'fixtures/dropped-widget-commit/good-check-restored.patch.snap',
      'fixtures/dropped-widget-commit/good-checked-result.c',
      'fixtures/dropped-widget-commit/good-checked-result.c.snap',
      'rules/dropped-widget-commit.md',
      'rules/dropped-widget-commit.ts',
    ]);
    for (const file of before) assert.deepEqual(fs.readFileSync(path.join(copy, file)), fs.readFileSync(path.join(REPO, file)), `${file} is unchanged`);
    assert.match(run.stdout, /rules\/dropped-widget-commit\.ts is in place and its tests pass/);
    const snapshot = fs.readFileSync(path.join(copy, 'fixtures/dropped-widget-commit/bad-discarded-result.c.snap'), 'utf8');
    assert.match(snapshot, /bad-discarded-result\.c:7:2: dropped-widget-commit warning medium\n  message: widget_commit\(\) reports failure through its result, which is discarded here/);
  });
});
