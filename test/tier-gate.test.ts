// Findings below the run's threshold stay in the worker (src/engine/tier-gate.ts):
// the report is what it was when every tier reached the main thread, the
// hidden findings the gating reads still reach it, and the result cache keeps
// every tier a run computed, so a run at another --min-confidence reuses it
// and prints what an uncached run prints.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './support/fixtures';
import type { Finding } from '../src/model';
import { findingsThroughGate } from '../src/engine/tier-gate';

const CLI = path.join(REPO, 'dist/src/cli.js');

function finding(line: number, confidence: Finding['confidence'], ruleId = 'seqcount-truncation'): Finding {
  return {
    ruleId,
    severity: 'warning',
    confidence,
    message: `at ${line}`,
    location: { file: 'drivers/x.c', line, column: 1, endLine: line, endColumn: 2 },
    sourceLine: '',
    evidence: [],
    fix: '',
    fingerprint: `${ruleId}-${line}`,
  };
}

describe('tier gate', () => {
  const findings = [finding(3, 'low'), finding(5, 'high'), finding(7, 'medium'), finding(9, 'low'), finding(9, 'low', 'ignored-fault-error')];
  const lines = (kept: Finding[]) => kept.map((f) => `${f.location.line} ${f.confidence} ${f.ruleId}`);

  it('keeps the tiers at or above the threshold, in order', () => {
    assert.deepEqual(lines(findingsThroughGate(findings, { minConfidence: 'medium', keepAllTiers: false }, undefined)), ['5 high seqcount-truncation', '7 medium seqcount-truncation']);
    assert.deepEqual(lines(findingsThroughGate(findings, { minConfidence: 'high', keepAllTiers: false }, [])), ['5 high seqcount-truncation']);
    assert.equal(findingsThroughGate(findings, { minConfidence: 'low', keepAllTiers: false }, undefined).length, findings.length);
  });

  it('keeps a hidden finding that a suppression comment of its rule covers (the comment is used)', () => {
    const directive = { line: 8, column: 2, coveredLine: 9, ruleId: 'ignored-fault-error', reason: 'checked by the caller' };
    assert.deepEqual(lines(findingsThroughGate(findings, { minConfidence: 'high', keepAllTiers: false }, [directive])), ['5 high seqcount-truncation', '9 low ignored-fault-error']);
  });

  it('keeps every tier when asked (a baseline is compared with)', () => {
    assert.equal(findingsThroughGate(findings, { minConfidence: 'high', keepAllTiers: true }, undefined).length, findings.length);
  });
});

/** A kernel-like tree whose one file gives a high finding, a low one, and a low one under a suppression comment. */
function writeTree(root: string): void {
  const files: Record<string, string> = {
    Makefile: '# test tree\n',
    Kconfig: '# test tree\n',
    'arch/x86/Kconfig': '# test tree\n',
    'include/linux/counter.h': 'struct counter {\n\tunsigned long seq;\n\tunsigned long size;\n};\n',
    'drivers/mixed.c': [
      '#include <linux/counter.h>',
      '',
      'static int counter_changed(struct counter *c, unsigned long then)',
      '{',
      '\treturn c->seq != then;',
      '}',
      '',
      'int counter_check(struct counter *c)',
      '{',
      '\tint seq = c->seq;',
      '\treturn counter_changed(c, seq);',
      '}',
      '',
      'int counter_size(struct counter *c)',
      '{',
      '\tint size = c->size;',
      '\treturn size;',
      '}',
      '',
      'int counter_small(struct counter *c)',
      '{',
      '\t/* patch-audit-ignore: seqcount-truncation the size fits in an int here */',
      '\tint small = c->size;',
      '\treturn small;',
      '}',
      '',
    ].join('\n'),
  };
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  reused?: number;
}

describe('tier gate in a scan', () => {
  let tmp: string;
  let tree: string;
  let cacheDir: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-tier-gate-'));
    tree = path.join(tmp, 'tree');
    cacheDir = path.join(tmp, 'cache');
    writeTree(tree);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const scan = (...extra: string[]): Run => {
    const args = [CLI, 'scan', '.', '-r', 'seqcount-truncation', '-f', 'json', '--cache-dir', cacheDir, '--no-progress', ...extra];
    const r = spawnSync(process.execPath, args, { cwd: tree, encoding: 'utf8', env: { ...process.env, PATCH_AUDIT_DEBUG_STATS: '1' } });
    const stats = /^patch-audit scan stats: (.*)$/m.exec(r.stderr);
    const reused = stats ? (JSON.parse(stats[1]) as { resultCache?: { reused: number } }).resultCache?.reused : undefined;
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, reused };
  };
  const shown = (run: Run) => (JSON.parse(run.stdout) as { findings: Finding[] }).findings.map((f) => `${f.location.line} ${f.confidence}`);

  it('shows the same findings as before: the shown tiers only', () => {
    assert.deepEqual(shown(scan('--no-result-cache', '--min-confidence', 'low')), ['10 high', '16 low']);
    assert.deepEqual(shown(scan('--no-result-cache', '--min-confidence', 'medium')), ['10 high']);
  });

  it('a suppression comment over a hidden finding is still used', () => {
    const run = scan('--no-result-cache', '--min-confidence', 'high', '--report-unused-suppressions');
    assert.deepEqual(JSON.parse(run.stdout).gating.suppressionProblems, []);
    assert.doesNotMatch(run.stderr, /unused suppression/);
  });

  it('a baseline entry of a hidden finding is not stale', () => {
    const baseline = path.join(tmp, 'baseline.json');
    const written = scan('--no-result-cache', '--min-confidence', 'low', '--write-baseline', baseline);
    assert.match(written.stderr, /wrote 2 baseline entries/);
    const run = scan('--no-result-cache', '--min-confidence', 'medium', '--baseline', baseline);
    const gating = JSON.parse(run.stdout).gating;
    assert.deepEqual(gating.baseline.stale, [], 'the low finding at line 16 still takes its entry');
    assert.equal(gating.baseline.unchanged, 1);
  });

  it('the result cache: complete results serve any threshold, shown-tier results only runs without the low tier', () => {
    const uncached = {
      medium: scan('--no-result-cache').stdout,
      low: scan('--no-result-cache', '--min-confidence', 'low').stdout,
      high: scan('--no-result-cache', '--min-confidence', 'high').stdout,
    };
    const first = scan('--min-confidence', 'low');
    assert.equal(first.reused, 0);
    assert.equal(first.stdout, uncached.low);
    // Every tier was stored: a run that reads hidden findings reuses them at another threshold.
    const unused = scan('--min-confidence', 'high', '--report-unused-suppressions');
    assert.equal(unused.reused, 2, 'both files come from the cache');
    assert.equal(unused.stdout, scan('--no-result-cache', '--min-confidence', 'high', '--report-unused-suppressions').stdout);
    assert.deepEqual(JSON.parse(unused.stdout).gating.suppressionProblems, [], 'a reused file keeps its hidden, suppressed finding for the gating');
    // A run without the low tier gave only what it shows: its results are kept apart, and serve such runs only.
    const medium = scan();
    assert.equal(medium.reused, 0, 'not the complete results: they are under another key');
    assert.equal(medium.stdout, uncached.medium);
    const high = scan('--min-confidence', 'high');
    assert.equal(high.reused, 2, 'the results of the medium run serve a high one');
    assert.equal(high.stdout, uncached.high);
    assert.equal(scan('--min-confidence', 'low').stdout, uncached.low);
    assert.equal(scan('--min-confidence', 'low').reused, 2);
  });
});
