// The baseline: findings recorded by fingerprint (never by line), accepted on
// later scans; new findings still fail; entries that match nothing are stale.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../src/model';
import { baselineEntries, matchBaseline, readBaseline, renderBaseline } from '../src/gating/baseline';
import { GatingError } from '../src/gating/errors';
import { ScanGate } from '../src/gating/scan-gate';
import { ruleIdsOnDisk } from '../src/engine/registry';
import { droppedReference, PAGE_PROTOTYPES, RULE, runCli, tempFolder, writeTree } from './support/gating';

function finding(file: string, fingerprint: string, line = 10): Finding {
  return {
    ruleId: RULE,
    severity: 'warning',
    confidence: 'high',
    message: `message at ${line}`,
    location: { file, line, column: 2, endLine: line, endColumn: 9 },
    sourceLine: '',
    evidence: [],
    fix: '',
    fingerprint,
  };
}

describe('baseline entries', () => {
  const at = (root: string) => (f: Finding) => path.join(root, f.location.file);

  it('are keyed by rule, file relative to the baseline and fingerprint without occurrence; counted and sorted', () => {
    const root = '/work/tree';
    const entries = baselineEntries(
      [finding('mm/b.c', '00000000000000bb'), finding('mm/a.c', '00000000000000aa'), finding('mm/a.c', '00000000000000aa:1', 20)],
      '/work/tree/ci/baseline.json',
      at(root),
    );
    assert.deepEqual(entries, [
      { rule: RULE, file: '../mm/a.c', fingerprint: '00000000000000aa', message: 'message at 10', count: 2 },
      { rule: RULE, file: '../mm/b.c', fingerprint: '00000000000000bb', message: 'message at 10' },
    ]);
    assert.doesNotMatch(renderBaseline(entries), /"line"/, 'no line numbers in the file');
  });

  it('match findings whatever their line; copies beyond the count are new; unmatched entries in scope are stale', () => {
    const root = '/t';
    const baseline = {
      file: '/t/baseline.json',
      entries: [
        { rule: RULE, file: 'mm/a.c', fingerprint: '00000000000000aa', message: 'a' },
        { rule: RULE, file: 'mm/gone.c', fingerprint: '00000000000000cc', message: 'gone' },
        { rule: RULE, file: 'fs/elsewhere.c', fingerprint: '00000000000000dd', message: 'not scanned' },
        { rule: 'seqcount-truncation', file: 'mm/a.c', fingerprint: '00000000000000ee', message: 'rule not run' },
      ],
    };
    const match = matchBaseline(
      [finding('mm/a.c', '00000000000000aa', 99), finding('mm/a.c', '00000000000000aa:1', 120), finding('mm/a.c', '00000000000000ff')],
      baseline,
      at(root),
      { rulesRun: new Set([RULE]), filesAnalysed: ['/t/mm/a.c', '/t/mm/gone.c'] },
    );
    assert.deepEqual(match.findings.map((f) => f.baselineState), ['unchanged', 'new', 'new']);
    assert.equal(match.unchanged, 1);
    assert.deepEqual(match.stale.map((e) => e.file), ['mm/gone.c']);
  });

  it('a broken file is one line naming it', () => {
    const dir = tempFolder('baseline-broken');
    try {
      const cases: [string, RegExp][] = [
        ['{"version": 1, "tool": "patch-audit", "entries": [}', /^baseline .*b\.json:1: not valid JSON: /],
        ['{"version": 2, "tool": "patch-audit", "entries": []}', /^baseline .*b\.json:1: version: must be 1 \(got 2\)$/],
        ['{\n"version": 1,\n"tool": "patch-audit",\n"entries": [\n{"rule": "x", "file": "a.c", "fingerprint": "12:3"}\n]\n}', /^baseline .*b\.json:5: entries\[0\]: missing key "message" \(and 1 more errors\)$/],
      ];
      for (const [text, expected] of cases) {
        fs.writeFileSync(path.join(dir, 'b.json'), text);
        assert.throws(() => readBaseline(path.join(dir, 'b.json')), (e: unknown) => e instanceof GatingError && expected.test(e.message) && !e.message.includes('\n'), text);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the scan gate with a baseline', () => {
  it('a hidden lower-confidence copy of the same code does not take the entry of the finding shown', () => {
    const dir = tempFolder('baseline-order');
    try {
      const file = { absolutePath: path.join(dir, 'a.c'), displayPath: 'a.c', size: 1 };
      const hidden = { ...finding('a.c', '0123456789abcdef', 5), confidence: 'low' as const };
      const shown = finding('a.c', '0123456789abcdef:1', 9);
      const baselineFile = path.join(dir, 'baseline.json');
      const settings = { failOn: 'warning' as const, minConfidence: 'medium' as const, knowledge: [], macros: [] };
      const options = { config: false as const, writeBaseline: baselineFile, tree: null };
      const { gate } = ScanGate.open([dir], settings, options, ruleIdsOnDisk());
      const context = { knownRules: ruleIdsOnDisk(), rulesRun: [RULE], minConfidence: 'medium' as const };
      const written = gate.judge([hidden, shown], [{ file }], context);
      assert.deepEqual(written.findings.map((f) => [f.location.line, f.baselineState]), [[9, 'unchanged']]);
      assert.equal(JSON.parse(fs.readFileSync(baselineFile, 'utf8')).entries.length, 1);

      const { gate: later } = ScanGate.open([dir], settings, { config: false, baseline: baselineFile, tree: null }, ruleIdsOnDisk());
      const verdict = later.judge([hidden, shown], [{ file }], context);
      assert.deepEqual(verdict.findings.map((f) => [f.location.line, f.baselineState]), [[9, 'unchanged']]);
      assert.equal(verdict.gating.baseline?.unchanged, 1);
      assert.deepEqual(verdict.gating.baseline?.stale, []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scan with a baseline', () => {
  let tree: string;
  let cache: string;
  before(() => {
    tree = tempFolder('baseline-tree');
    cache = tempFolder('baseline-cache');
    writeTree(tree, {
      'mm/one.c': PAGE_PROTOTYPES + droppedReference('take_one') + droppedReference('take_two'),
      'mm/two.c': PAGE_PROTOTYPES + droppedReference('take_three'),
    });
  });
  after(() => {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });
  const baselineFile = () => path.join(tree, 'patch-audit-baseline.json');

  it('--write-baseline records the findings and the run that wrote it passes', () => {
    const r = runCli(['scan', '.', '-r', RULE, '--write-baseline', 'patch-audit-baseline.json'], tree, cache);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^patch-audit: wrote 3 baseline entries to patch-audit-baseline\.json$/m);
    const written = JSON.parse(fs.readFileSync(baselineFile(), 'utf8'));
    assert.equal(written.version, 1);
    assert.deepEqual(written.entries.map((e: { file: string }) => e.file), ['mm/one.c', 'mm/one.c', 'mm/two.c']);
  });

  it('a baseline keeps a whole folder scan green, a new finding still fails it', () => {
    // Lines move: a comment block on top of each file; the baseline does not care.
    for (const name of ['mm/one.c', 'mm/two.c']) {
      const file = path.join(tree, name);
      fs.writeFileSync(file, '/*\n * moved down\n */\n' + fs.readFileSync(file, 'utf8'));
    }
    const green = runCli(['scan', '.', '-r', RULE, '--baseline', 'patch-audit-baseline.json'], tree, cache);
    assert.equal(green.status, 0, green.stdout + green.stderr);
    assert.match(green.stdout, /^0 findings in 2 files; 3 in baseline$/m);
    assert.doesNotMatch(green.stdout, /warning:/);

    fs.appendFileSync(path.join(tree, 'mm/two.c'), droppedReference('take_new'));
    const red = runCli(['scan', '.', '-r', RULE, '--baseline', 'patch-audit-baseline.json'], tree, cache);
    assert.equal(red.status, 1);
    assert.equal(red.stdout.match(/warning: result of get_page_unless_zero/g)?.length, 1, 'only the new finding is listed');
    assert.match(red.stdout, /^1 finding \(1 warning\) in 2 files; 3 in baseline$/m);

    const json = JSON.parse(runCli(['scan', '.', '-r', RULE, '--baseline', 'patch-audit-baseline.json', '-f', 'json'], tree, cache).stdout);
    assert.deepEqual(json.findings.map((f: Finding) => [f.functionName, f.baselineState]), [
      ['take_one', 'unchanged'],
      ['take_two', 'unchanged'],
      ['take_three', 'unchanged'],
      ['take_new', 'new'],
    ]);
    const sarif = JSON.parse(runCli(['scan', '.', '-r', RULE, '--baseline', 'patch-audit-baseline.json', '-f', 'sarif'], tree, cache).stdout);
    assert.deepEqual(sarif.runs[0].results.map((r: { baselineState: string }) => r.baselineState), ['unchanged', 'unchanged', 'unchanged', 'new']);
  });

  it('a stale entry is listed, on stderr and in JSON', () => {
    fs.writeFileSync(path.join(tree, 'mm/one.c'), PAGE_PROTOTYPES + droppedReference('take_one'));
    const r = runCli(['scan', 'mm/one.c', '-r', RULE, '--baseline', 'patch-audit-baseline.json'], tree, cache);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^patch-audit: baseline patch-audit-baseline\.json: 1 stale entry matches no finding any more/m);
    assert.match(r.stderr, new RegExp(`^  mm/one\\.c: ${RULE} [0-9a-f]{16}: result of get_page_unless_zero`, 'm'));
    assert.match(r.stdout, /; 1 in baseline \(1 stale entry\)$/m, 'mm/two.c was not scanned: its entry is not stale');
    const json = JSON.parse(runCli(['scan', 'mm/one.c', '-r', RULE, '--baseline', 'patch-audit-baseline.json', '-f', 'json'], tree, cache).stdout);
    assert.equal(json.gating.baseline.stale.length, 1);
    assert.equal(json.gating.baseline.stale[0].file, 'mm/one.c');
  });

  it('a broken baseline: one line and exit 2, before any analysis', () => {
    fs.writeFileSync(path.join(tree, 'broken.json'), '{"version": 1, "tool": "patch-audit"}');
    const r = runCli(['scan', '.', '-r', RULE, '--baseline', 'broken.json'], tree, cache);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'patch-audit: baseline broken.json:1: (top level): missing key "entries"\n');
    const missing = runCli(['scan', '.', '-r', RULE, '--baseline', 'nope.json'], tree, cache);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'patch-audit: baseline nope.json: cannot read it: ENOENT\n');
    const unwritable = runCli(['scan', '.', '-r', RULE, '--write-baseline', 'no-such-dir/b.json'], tree, cache);
    assert.equal(unwritable.status, 2);
    assert.equal(unwritable.stdout, '', 'refused before the analysis');
    assert.equal(unwritable.stderr, `patch-audit: --write-baseline no-such-dir/b.json: no such directory: ${path.join(tree, 'no-such-dir')}\n`);
  });
});
