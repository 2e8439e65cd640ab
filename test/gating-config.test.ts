// The configuration file: found from the tree upwards, checked against its
// schema with errors naming file, line and key, merged under the command line.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_FILE_NAME, findConfigFile, loadConfig } from '../src/gating/config';
import { GatingError } from '../src/gating/errors';
import { globToRegExp } from '../src/gating/globs';
import { parseJsonWithLines, JsonSyntaxError } from '../src/gating/json-lines';
import { RuleRunSettings, withConfig } from '../src/gating/settings';
import { diffBetween } from './support/patches';
import { ruleIdsOnDisk } from '../src/engine/registry';
import { droppedReference, PAGE_PROTOTYPES, RULE, runCli, tempFolder, writeTree } from './support/gating';

const KNOWN = ruleIdsOnDisk();

function writeConfig(directory: string, config: unknown | string): string {
  const file = path.join(directory, CONFIG_FILE_NAME);
  fs.writeFileSync(file, typeof config === 'string' ? config : JSON.stringify(config, null, 2) + '\n');
  return file;
}

function configError(file: string): string {
  try {
    loadConfig(file, new Set(KNOWN));
  } catch (error) {
    assert.ok(error instanceof GatingError, String(error));
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

describe('JSON with lines', () => {
  it('gives the line of each key and array element, and of a syntax error', () => {
    const located = parseJsonWithLines('{\n  "a": {\n    "b": [\n      1,\n      2\n    ]\n  }\n}\n');
    assert.deepEqual(located.value, { a: { b: [1, 2] } });
    assert.equal(located.lineOf('/a'), 2);
    assert.equal(located.lineOf('/a/b'), 3);
    assert.equal(located.lineOf('/a/b/1'), 5);
    assert.equal(located.lineOf('/a/missing'), 2, 'an absent member: its parent');
    assert.throws(() => parseJsonWithLines('{\n  "a": 1,\n}\n'), (e: unknown) => e instanceof JsonSyntaxError && e.line === 3);
  });
});

describe('globs', () => {
  it('* and ? stay in a segment, ** spans them, a folder matches what is below it', () => {
    const cases: [string, string, boolean][] = [
      ['drivers/gpu', 'drivers/gpu/drm/a.c', true],
      ['drivers/gpu/', 'drivers/gpu/drm/a.c', true],
      ['drivers/*.c', 'drivers/a.c', true],
      ['drivers/*.c', 'drivers/x/a.c', false],
      ['**/generated/*.h', 'a/b/generated/regs.h', true],
      ['**/generated/*.h', 'generated/regs.h', true],
      ['mm/slab?.c', 'mm/slab1.c', true],
      ['mm/slab?.c', 'mm/slab.c', false],
      ['mm/a.c', 'mm/a.cc', false],
    ];
    for (const [glob, file, expected] of cases) assert.equal(globToRegExp(glob).test(file), expected, `${glob} ~ ${file}`);
  });
});

describe('configuration file', () => {
  let root: string;
  before(() => {
    root = tempFolder('config');
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('is found in the start folder or the first folder above it that has one', () => {
    const top = path.join(root, 'lookup');
    writeTree(top, { 'a/b/c/x.c': '' });
    assert.equal(findConfigFile(path.join(top, 'a/b/c')), findConfigFile(top), 'none of ours: whatever is above the temporary folder');
    const file = writeConfig(path.join(top, 'a'), {});
    assert.equal(findConfigFile(path.join(top, 'a/b/c')), file);
  });

  it('a wrong value names the file, the line and the key', () => {
    const dir = path.join(root, 'bad-value');
    fs.mkdirSync(dir);
    const file = writeConfig(dir, '{\n  "minConfidence": "low",\n  "failOn": "fatal"\n}\n');
    assert.equal(configError(file), `${file}:3: failOn: must be one of "info", "warning", "error" (got "fatal")`);
  });

  it('an unknown key, an unknown rule and a wrong type are each named, in line order', () => {
    const dir = path.join(root, 'bad-keys');
    fs.mkdirSync(dir);
    const file = writeConfig(dir, '{\n  "rules": {\n    "zero-page-refcnt": "off"\n  },\n  "exclude": "drivers/",\n  "minConfidense": "low"\n}\n');
    const lines = configError(file).split('\n');
    assert.equal(lines.length, 3, lines.join('\n'));
    assert.match(lines[0], new RegExp(`^${escape(file)}:5: exclude: must be an array \\(got "drivers/"\\)$`));
    assert.match(lines[1], new RegExp(`^${escape(file)}:6: minConfidense: unknown key \\(known: .*minConfidence`));
    assert.match(lines[2], new RegExp(`^${escape(file)}:3: rules\\.zero-page-refcnt: unknown rule \\(known: `));
  });

  it('not JSON: the line of the syntax error', () => {
    const dir = path.join(root, 'not-json');
    fs.mkdirSync(dir);
    const file = writeConfig(dir, '{\n  "failOn": "error"\n  "minConfidence": "low"\n}\n');
    assert.match(configError(file), new RegExp(`^${escape(file)}:3: not valid JSON: expected '}'`));
  });

  it('knowledge and macro files are relative to the configuration file, and must exist', () => {
    const dir = path.join(root, 'paths');
    writeTree(dir, { 'ci/error-returning.txt': '', 'ci/macros.h': '' });
    const file = writeConfig(dir, { knowledge: ['ci/error-returning.txt'], macros: ['ci/macros.h'] });
    const config = loadConfig(file, new Set(KNOWN));
    assert.deepEqual(config.knowledge, [path.join(dir, 'ci/error-returning.txt')]);
    assert.deepEqual(config.macros, [path.join(dir, 'ci/macros.h')]);
    const missing = writeConfig(dir, { knowledge: ['ci/error-returning.txt', 'ci/gone.txt'] });
    assert.equal(configError(missing), `${missing}:4: knowledge[1]: no such file: ${path.join(dir, 'ci/gone.txt')}`);
  });

  it('the command line wins; list options add to the file', () => {
    const dir = path.join(root, 'merge');
    writeTree(dir, { 'k/result-ignored.txt': '' });
    const file = writeConfig(dir, { failOn: 'error', minConfidence: 'low', rules: { [RULE]: 'off' }, knowledge: ['k/result-ignored.txt'] });
    const config = loadConfig(file, new Set(KNOWN));
    const settings: RuleRunSettings = { failOn: 'warning', minConfidence: 'medium', knowledge: ['mine.txt'], macros: [] };
    const fromFile = withConfig(settings, config, new Set(), KNOWN);
    assert.equal(fromFile.failOn, 'error');
    assert.equal(fromFile.minConfidence, 'low');
    assert.deepEqual(fromFile.rules, KNOWN.filter((id) => id !== RULE));
    assert.deepEqual(fromFile.knowledge, [path.join(dir, 'k/result-ignored.txt'), 'mine.txt']);
    const cli = withConfig({ ...settings, rules: [RULE] }, config, new Set(['failOn', 'rules']), KNOWN);
    assert.equal(cli.failOn, 'warning');
    assert.deepEqual(cli.rules, [RULE]);
    assert.equal(cli.minConfidence, 'low');
  });
});

describe('scan with a configuration file', () => {
  let tree: string;
  let cache: string;
  before(() => {
    tree = tempFolder('config-scan');
    cache = tempFolder('config-cache');
    writeTree(tree, {
      'mm/take.c': PAGE_PROTOTYPES + droppedReference('take_mm'),
      'drivers/gen/take.c': PAGE_PROTOTYPES + droppedReference('take_generated'),
      'tools/take.c': PAGE_PROTOTYPES + droppedReference('take_tool'),
    });
  });
  after(() => {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const files = (stdout: string) => (JSON.parse(stdout).findings as { location: { file: string } }[]).map((f) => f.location.file).sort();

  it('excluded paths and per-rule ignored paths leave their findings out; --no-config brings them back', () => {
    writeConfig(tree, { exclude: ['drivers/gen'], ignorePaths: { [RULE]: ['tools/**'] } });
    const r = runCli(['scan', '.', '-r', RULE, '-f', 'json'], tree, cache);
    assert.equal(r.status, 1, r.stderr);
    assert.deepEqual(files(r.stdout), ['mm/take.c']);
    assert.equal(JSON.parse(r.stdout).stats.filesConsidered, 2, 'the excluded file is not analysed');
    const all = runCli(['scan', '.', '-r', RULE, '-f', 'json', '--no-config'], tree, cache);
    assert.deepEqual(files(all.stdout), ['drivers/gen/take.c', 'mm/take.c', 'tools/take.c']);
  });

  it('is looked up from the input upwards, fail-on from the file applies, and the command line wins', () => {
    writeConfig(tree, { failOn: 'error' });
    const fromFile = runCli(['scan', 'mm', '-r', RULE], path.join(tree), cache);
    assert.equal(fromFile.status, 0, 'the warning is below fail-on error from the file');
    assert.match(fromFile.stdout, /warning: result of get_page_unless_zero/);
    const cli = runCli(['scan', 'mm', '-r', RULE, '--fail-on', 'warning'], tree, cache);
    assert.equal(cli.status, 1);
  });

  it('a rule turned off does not run', () => {
    writeConfig(tree, { rules: { [RULE]: 'off' } });
    const r = runCli(['scan', 'mm', '-f', 'json'], tree, cache);
    assert.ok(!JSON.parse(r.stdout).rules.some((rule: { id: string }) => rule.id === RULE));
  });

  it('a broken file: its errors on stderr and exit 2, before any analysis', () => {
    writeConfig(tree, '{\n  "exclude": [\n    7\n  ]\n}\n');
    const r = runCli(['scan', '.', '-r', RULE], tree, cache);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '', 'no report');
    assert.equal(r.stderr, `patch-audit: ${path.join(tree, CONFIG_FILE_NAME)}:3: exclude[0]: must be a string (got 7)\n`);
  });

  it('--config names the file; a missing one is an error', () => {
    const other = path.join(tree, 'ci.json');
    fs.writeFileSync(other, JSON.stringify({ exclude: ['mm'] }));
    const r = runCli(['scan', '.', '-r', RULE, '-f', 'json', '--config', 'ci.json'], tree, cache);
    assert.deepEqual(files(r.stdout), ['drivers/gen/take.c', 'tools/take.c']);
    const missing = runCli(['scan', '.', '--config', 'nope.json'], tree, cache);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^patch-audit: --config nope\.json: no such file$/m);
  });

  it('diff reads it too: an ignored path hides the finding a patch introduces there', () => {
    writeConfig(tree, { ignorePaths: { [RULE]: ['tools'] } });
    const patch = path.join(cache, 'tools.patch');
    const before = fs.readFileSync(path.join(tree, 'tools/take.c'), 'utf8');
    fs.writeFileSync(patch, diffBetween({ 'tools/take.c': before }, { 'tools/take.c': before + droppedReference('take_more') }));
    const r = runCli(['diff', patch, '--tree', tree, '-r', RULE, '--no-index'], tree, cache);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const plain = runCli(['diff', patch, '--tree', tree, '-r', RULE, '--no-index', '--no-config'], tree, cache);
    assert.equal(plain.status, 1, plain.stdout + plain.stderr);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
