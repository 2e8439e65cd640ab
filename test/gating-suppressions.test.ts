// Inline suppressions: `/* patch-audit-ignore: <rule-id> <reason> */`, read
// from the text, matched with findings, honoured by scan and diff.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Finding } from '../src/model';
import { suppressionDirectives } from '../src/gating/suppression-comments';
import { applySuppressions } from '../src/gating/suppressions';
import { diffBetween } from './support/patches';
import { droppedReference, lineOf, PAGE_PROTOTYPES, RULE, runCli, tempFolder, writeTree } from './support/gating';

describe('suppression comments', () => {
  it('a trailing comment covers its own line', () => {
    const text = 'int a;\nfoo(); /* patch-audit-ignore: seqcount-truncation the counter never wraps here */\n';
    assert.deepEqual(suppressionDirectives(text), [
      { line: 2, column: 8, coveredLine: 2, ruleId: 'seqcount-truncation', reason: 'the counter never wraps here' },
    ]);
  });

  it('a comment alone on its line covers the next code line, past blank lines and other comments', () => {
    const text = '\t/* patch-audit-ignore: zero-page-refcount the caller excepts the zero page */\n\n\t/* another note */\n\t// and one more\n\tput_page(page);\n';
    const [directive] = suppressionDirectives(text);
    assert.equal(directive.line, 1);
    assert.equal(directive.coveredLine, 5);
  });

  it('a comment over several lines covers the code line after its end; its reason is joined into one line', () => {
    const text = '/*\n * patch-audit-ignore: ignored-fault-error the error is\n * reported through the callback\n */\nfoo();\n';
    const [directive] = suppressionDirectives(text);
    assert.equal(directive.coveredLine, 5);
    assert.equal(directive.reason, 'the error is reported through the callback');
  });

  it('columns count UTF-8 bytes, as gcc does', () => {
    const [directive] = suppressionDirectives('s = "é"; /* patch-audit-ignore: zero-page-refcount reviewed */\n');
    assert.equal(directive.column, 11);
  });

  it('a C++ comment works too, and the marker inside a string literal is not a comment', () => {
    const text = 'foo(); // patch-audit-ignore: zero-page-refcount checked above\nputs("/* patch-audit-ignore: zero-page-refcount x */");\n';
    const directives = suppressionDirectives(text);
    assert.equal(directives.length, 1);
    assert.equal(directives[0].coveredLine, 1);
  });

  it('the comment must start with the marker, followed by a colon or a space', () => {
    const text = 'a(); /* see patch-audit-ignore: zero-page-refcount x */\nb(); /* patch-audit-ignorezero-page-refcount x */\nc(); /* patch-audit-ignore zero-page-refcount x */\n';
    assert.deepEqual(suppressionDirectives(text).map((d) => [d.line, d.ruleId]), [[3, 'zero-page-refcount']]);
    const [colon] = suppressionDirectives('a(); /* patch-audit-ignore: zero-page-refcount: checked above */\n');
    assert.equal(colon.reason, 'checked above');
  });

  it('keeps comments without a rule or a reason, for the checker to report', () => {
    const [noRule, noReason] = suppressionDirectives('/* patch-audit-ignore: */ a();\nb(); /* patch-audit-ignore: zero-page-refcount */\n');
    assert.equal(noRule.ruleId, '');
    assert.equal(noReason.ruleId, 'zero-page-refcount');
    assert.equal(noReason.reason, '');
  });
});

describe('matching suppressions with findings', () => {
  const finding = (ruleId: string, line: number): Finding => ({
    ruleId,
    severity: 'warning',
    confidence: 'high',
    message: 'm',
    location: { file: 'f.c', line, column: 2, endLine: line, endColumn: 9 },
    sourceLine: '',
    evidence: [],
    fix: '',
    fingerprint: '0123456789abcdef',
  });
  const known = new Set(['zero-page-refcount', 'seqcount-truncation']);

  it('marks the finding of the named rule on the covered line, and no other', () => {
    const text = 'a(); /* patch-audit-ignore: zero-page-refcount reviewed */\nb();\n';
    const outcome = applySuppressions(
      [finding('zero-page-refcount', 1), finding('seqcount-truncation', 1), finding('zero-page-refcount', 2)],
      [{ file: 'f.c', directives: suppressionDirectives(text) }],
      { knownRules: known, rulesRun: known, reportUnused: true },
    );
    assert.deepEqual(outcome.findings.map((f) => f.suppression), [{ reason: 'reviewed', line: 1 }, undefined, undefined]);
    assert.deepEqual(outcome.problems, []);
  });

  it('a comment without a reason or naming an unknown rule suppresses nothing and is a problem at its line', () => {
    const text = 'a(); /* patch-audit-ignore: zero-page-refcount */\nb(); /* patch-audit-ignore: zero-page-refcnt typo */\n';
    const outcome = applySuppressions([finding('zero-page-refcount', 1)], [{ file: 'f.c', directives: suppressionDirectives(text) }], {
      knownRules: known,
      rulesRun: known,
      reportUnused: false,
    });
    assert.equal(outcome.findings[0].suppression, undefined);
    assert.deepEqual(outcome.problems.map((p) => [p.file, p.line, p.kind]), [['f.c', 1, 'no-reason'], ['f.c', 2, 'unknown-rule']]);
    assert.match(outcome.problems[1].message, /unknown rule 'zero-page-refcnt'/);
  });

  it('unused comments are reported only when asked, and only for rules that ran', () => {
    const text = 'a(); /* patch-audit-ignore: zero-page-refcount reviewed */\nb(); /* patch-audit-ignore: seqcount-truncation reviewed */\n';
    const files = [{ file: 'f.c', directives: suppressionDirectives(text) }];
    const quiet = applySuppressions([], files, { knownRules: known, rulesRun: known, reportUnused: false });
    assert.deepEqual(quiet.problems, []);
    const asked = applySuppressions([], files, { knownRules: known, rulesRun: new Set(['seqcount-truncation']), reportUnused: true });
    assert.deepEqual(asked.problems.map((p) => [p.line, p.kind]), [[2, 'unused']]);
  });
});

describe('scan with suppression comments', () => {
  let folder: string;
  let cache: string;
  before(() => {
    folder = tempFolder('suppress');
    cache = tempFolder('suppress-cache');
  });
  after(() => {
    fs.rmSync(folder, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('a reviewed finding accepted with a suppression comment no longer fails the run', () => {
    const file = path.join(folder, 'reviewed.c');
    fs.writeFileSync(file, PAGE_PROTOTYPES + droppedReference('take_one'));
    const before = runCli(['scan', 'reviewed.c', '-r', RULE], folder, cache);
    assert.equal(before.status, 1, before.stderr + before.stdout);

    const comment = `/* patch-audit-ignore: ${RULE} the page is pinned by the caller, so the count is never zero */`;
    const text = PAGE_PROTOTYPES + droppedReference('take_one', { lead: comment });
    fs.writeFileSync(file, text);
    const after = runCli(['scan', 'reviewed.c', '-r', RULE], folder, cache);
    assert.equal(after.status, 0, after.stderr + after.stdout);
    assert.doesNotMatch(after.stdout, /warning:/, 'not shown by default');
    assert.match(after.stdout, /^0 findings in 1 file; 1 suppressed$/m);

    const shown = runCli(['scan', 'reviewed.c', '-r', RULE, '--show-suppressed'], folder, cache);
    assert.equal(shown.status, 0);
    assert.match(shown.stdout, /\[suppressed at line \d+: the page is pinned by the caller/);

    const json = JSON.parse(runCli(['scan', 'reviewed.c', '-r', RULE, '-f', 'json'], folder, cache).stdout);
    assert.equal(json.findings.length, 0);
    assert.equal(json.gating.suppressed, 1);

    const sarif = JSON.parse(runCli(['scan', 'reviewed.c', '-r', RULE, '-f', 'sarif'], folder, cache).stdout);
    const [result] = sarif.runs[0].results;
    assert.deepEqual(result.suppressions, [{ kind: 'inSource', justification: 'the page is pinned by the caller, so the count is never zero' }]);
    assert.equal(result.locations[0].physicalLocation.region.startLine, lineOf(text, 'get_page_unless_zero(page);'));
  });

  it('a comment without a reason is reported at its line and the finding still fails the run', () => {
    fs.writeFileSync(path.join(folder, 'lazy.c'), PAGE_PROTOTYPES + droppedReference('take_two', { trailing: `/* patch-audit-ignore: ${RULE} */` }));
    const r = runCli(['scan', 'lazy.c', '-r', RULE], folder, cache);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^lazy\.c:\d+:\d+: warning: suppression of nonrefcounted-page-ref gives no reason; say why/m);
    assert.match(r.stdout, /^lazy\.c:\d+:2: warning: result of get_page_unless_zero\(\) ignored/m);
    const checkpatch = runCli(['scan', 'lazy.c', '-r', RULE, '-f', 'checkpatch'], folder, cache);
    assert.match(checkpatch.stdout, /^WARNING:SUPPRESSION_NO_REASON: suppression of nonrefcounted-page-ref gives no reason/m);
    assert.match(checkpatch.stdout, /^total: 0 errors, 2 warnings, 1 files checked$/m);
    const json = runCli(['scan', 'lazy.c', '-r', RULE, '-f', 'json'], folder, cache);
    assert.equal(json.status, 1);
    assert.equal(JSON.parse(json.stdout).gating.suppressionProblems[0].kind, 'no-reason');
    assert.match(json.stderr, /^lazy\.c:\d+:\d+: warning: suppression of nonrefcounted-page-ref gives no reason.* \[suppression\]$/m, 'on stderr too');
  });

  it('--report-unused-suppressions lists a comment that matches nothing any more, and fails the run', () => {
    const text = PAGE_PROTOTYPES + `\nstatic void quiet(void)\n{\n\t/* patch-audit-ignore: ${RULE} was needed before the rework */\n\treturn;\n}\n`;
    fs.writeFileSync(path.join(folder, 'stale.c'), text);
    assert.equal(runCli(['scan', 'stale.c', '-r', RULE], folder, cache).status, 0, 'not asked: nothing to say');
    const r = runCli(['scan', 'stale.c', '-r', RULE, '--report-unused-suppressions'], folder, cache);
    assert.equal(r.status, 1);
    assert.match(r.stdout, new RegExp(`^stale\\.c:${lineOf(text, 'patch-audit-ignore')}:2: warning: unused suppression: no ${RULE} finding on line ${lineOf(text, 'return;')}`, 'm'));
  });
});

describe('diff with suppression comments', () => {
  let tree: string;
  let cache: string;
  before(() => {
    tree = tempFolder('suppress-tree');
    cache = tempFolder('suppress-diff-cache');
    writeTree(tree, { 'mm/take.c': PAGE_PROTOTYPES });
  });
  after(() => {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(cache, { recursive: true, force: true });
  });

  function diffOf(added: string) {
    const patch = path.join(tree, '..', `${path.basename(tree)}.patch`);
    fs.writeFileSync(patch, diffBetween({ 'mm/take.c': PAGE_PROTOTYPES }, { 'mm/take.c': PAGE_PROTOTYPES + added }));
    try {
      return runCli(['diff', patch, '--tree', tree, '-r', RULE, '--no-index', '-f', 'json'], tree, cache);
    } finally {
      fs.rmSync(patch, { force: true });
    }
  }

  it('a suppression in the post-image covers the finding the patch introduces', () => {
    const plain = diffOf(droppedReference('take_new'));
    assert.equal(plain.status, 1, plain.stderr);
    const accepted = diffOf(droppedReference('take_new', { lead: `/* patch-audit-ignore: ${RULE} the caller holds a pin */` }));
    assert.equal(accepted.status, 0, accepted.stderr + accepted.stdout);
    const report = JSON.parse(accepted.stdout);
    assert.equal(report.patches[0].summary.introduced, 0);
    assert.equal(report.patches[0].suppressed, 1);
    assert.deepEqual(report.patches[0].findings, []);
  });

  it('a suppression comment the patch adds without a reason is reported on its patch line, and the finding still fails the patch', () => {
    const r = diffOf(droppedReference('take_lazy', { lead: `/* patch-audit-ignore: ${RULE} */` }));
    assert.equal(r.status, 1, r.stderr + r.stdout);
    const [patch] = JSON.parse(r.stdout).patches;
    assert.equal(patch.summary.introduced, 1);
    const [problem] = patch.problems;
    assert.equal(problem.kind, 'suppression');
    assert.equal(problem.file, 'mm/take.c');
    assert.equal(typeof problem.patchLine, 'number');
    assert.match(problem.reason, /^line \d+: suppression of nonrefcounted-page-ref gives no reason/);
  });
});
