import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import type { DiffResult, PatchAudit } from '../src/diff/model';
import type { Finding, RuleInfo } from '../src/model';
import { DIFF_REPORT_FORMATS, isDiffReportFormat, renderDiffReport, type DiffReportOptions } from '../src/report/diff';
import { renderDiffText } from '../src/report/diff-text';
import { assertValidSarif, parseValidSarif } from './support/sarif-check';

const seqcountTruncation: RuleInfo = {
  id: 'seqcount-truncation',
  description: 'A sequence count is stored in a narrower type',
  category: 'concurrency',
  severity: 'warning',
  confidence: 'high',
  references: [],
  docs: '# seqcount-truncation\n\n## Summary\n\nThe invalidation sequence is unsigned long; an int copy wraps.\n',
};

const useAfterFree: RuleInfo = {
  id: 'use-after-free',
  description: 'Memory is used after it was freed',
  category: 'memory-safety',
  severity: 'error',
  confidence: 'high',
  references: [],
  docs: '',
};

const missingUnlock: RuleInfo = {
  id: 'missing-unlock',
  description: 'A lock is not released on every return path',
  category: 'locking',
  severity: 'warning',
  confidence: 'medium',
  references: [],
  docs: '# missing-unlock\n\nEvery return path must release the locks it took.\n',
};

// Introduced by patch 1, on an added line, with an evidence step.
const truncated: Finding = {
  ruleId: 'seqcount-truncation',
  severity: 'warning',
  confidence: 'high',
  message: "'mmu_seq' (int) truncates 'kvm->mmu_invalidate_seq' (unsigned long)",
  location: { file: 'arch/x86/kvm/mmu/mmu.c', line: 4321, column: 6, endLine: 4321, endColumn: 13 },
  sourceLine: '\tint mmu_seq = kvm->mmu_invalidate_seq;',
  functionName: 'kvm_faultin_pfn',
  evidence: [
    {
      location: { file: 'include/linux/kvm_host.h', line: 780, column: 16, endLine: 780, endColumn: 36 },
      message: "'mmu_invalidate_seq' declared unsigned long here",
      sourceLine: '\tunsigned long mmu_invalidate_seq;',
    },
  ],
  fix: "Declare 'mmu_seq' as unsigned long.",
  fingerprint: 'seqcount-truncation:kvm_faultin_pfn:1a2b',
};

// Fixed by patch 1: its location is the removed line of the pre-image.
const freed: Finding = {
  ruleId: 'use-after-free',
  severity: 'error',
  confidence: 'high',
  message: "'skb' used after kfree_skb()",
  location: { file: 'drivers/net/foo.c', line: 42, column: 9, endLine: 42, endColumn: 12 },
  sourceLine: '\tmemcpy(skb->data, buf, len);',
  functionName: 'foo_xmit',
  evidence: [],
  fix: "Move kfree_skb(skb) after the last use of 'skb'.",
  fingerprint: 'use-after-free:foo_xmit:3f2a',
};

// Existing before patch 1, on a line it does not touch.
const held: Finding = {
  ruleId: 'missing-unlock',
  severity: 'warning',
  confidence: 'medium',
  message: "'priv->lock' still held on return",
  location: { file: 'drivers/net/foo.c', line: 97, column: 3, endLine: 97, endColumn: 14 },
  sourceLine: '\t\treturn -EIO;',
  functionName: 'foo_open',
  evidence: [],
  fix: 'Call spin_unlock(&priv->lock) before returning.',
  fingerprint: 'missing-unlock:foo_open:77aa',
};

const first: PatchAudit = {
  patch: {
    index: 1,
    total: 2,
    label: 'series.mbox (message 2)',
    subject: '[PATCH 1/2] KVM: x86: rework fault retry',
    commit: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
    author: 'A. Hacker <a@example.org>',
    diff: '',
    diffLine: 20,
  },
  status: 'audited',
  files: ['arch/x86/kvm/mmu/mmu.c', 'drivers/net/foo.c'],
  findings: [
    { state: 'introduced', finding: truncated, patchLine: 57, onChangedLine: true },
    { state: 'fixed', finding: freed, patchLine: 81, onChangedLine: true },
    { state: 'existing', finding: held, onChangedLine: false },
  ],
  problems: [
    {
      kind: 'binary',
      patch: 'series.mbox (message 2)',
      file: 'firmware/foo.bin',
      patchLine: 95,
      reason: 'GIT binary patch: skipped',
      applied: true,
    },
  ],
};

const second: PatchAudit = {
  patch: {
    index: 2,
    total: 2,
    label: 'series.mbox (message 3)',
    subject: '[PATCH 2/2] mm: fix \x1b[2Jfoo',
    diff: '',
    diffLine: 120,
  },
  status: 'not-applied',
  files: ['mm/foo.c'],
  findings: [],
  problems: [
    {
      kind: 'context-mismatch',
      patch: 'series.mbox (message 3)',
      file: 'mm/foo.c',
      hunk: 2,
      patchLine: 140,
      reason: 'hunk does not match the tree at line 210',
      applied: false,
    },
  ],
};

const series: DiffResult = {
  patches: [first, second],
  problems: [],
  partial: false,
  tree: 'linux',
  rules: [seqcountTruncation, useAfterFree, missingUnlock],
};

// No tree: one patch, its finding on a line the patch did not change.
const partial: DiffResult = {
  patches: [
    {
      patch: { index: 1, total: 1, label: 'fix.patch', subject: 'fix.patch', diff: '', diffLine: 1 },
      status: 'audited',
      files: ['arch/x86/kvm/mmu/mmu.c'],
      findings: [{ state: 'introduced', finding: truncated, onChangedLine: false }],
      problems: [],
    },
  ],
  problems: [],
  partial: true,
  rules: [seqcountTruncation],
};

const options: DiffReportOptions = {
  toolVersion: '0.1.0',
  cwd: '/work/src dir',
  informationUri: 'https://example.org/patch-audit',
};

describe('diff text report', () => {
  const text = renderDiffReport('text', series, options);

  it('prints each patch in the checkpatch layout, then the total', () => {
    assert.equal(
      text,
      [
        '[PATCH 1/2] KVM: x86: rework fault retry',
        '(series.mbox (message 2), patch 1/2, commit 1a2b3c4d5e6f)',
        '',
        "WARNING:SEQCOUNT_TRUNCATION: 'mmu_seq' (int) truncates 'kvm->mmu_invalidate_seq' (unsigned long)",
        '#57: FILE: arch/x86/kvm/mmu/mmu.c:4321:',
        '+\tint mmu_seq = kvm->mmu_invalidate_seq;',
        "include/linux/kvm_host.h:780:16: note: 'mmu_invalidate_seq' declared unsigned long here",
        "    fix: Declare 'mmu_seq' as unsigned long.",
        '',
        "FIXED:USE_AFTER_FREE: 'skb' used after kfree_skb()",
        '#81: FILE: drivers/net/foo.c:42:',
        '-\tmemcpy(skb->data, buf, len);',
        '    fixed by this patch (was ERROR); lines are of the pre-image, before the patch',
        "    fix: Move kfree_skb(skb) after the last use of 'skb'.",
        '',
        "EXISTING:MISSING_UNLOCK: 'priv->lock' still held on return",
        'FILE: drivers/net/foo.c:97:',
        ' \t\treturn -EIO;',
        '    existing before this patch (WARNING); not introduced by it',
        '    fix: Call spin_unlock(&priv->lock) before returning.',
        '',
        'CHECK:PATCH_BINARY: GIT binary patch: skipped',
        '#95: FILE: firmware/foo.bin',
        '    patch: series.mbox (message 2) (applied)',
        '',
        '1 introduced, 1 fixed, 1 existing',
        '',
        '[PATCH 2/2] mm: fix ?[2Jfoo',
        '(series.mbox (message 3), patch 2/2)',
        '',
        'ERROR:PATCH_CONTEXT_MISMATCH: hunk does not match the tree at line 210',
        '#140: FILE: mm/foo.c, hunk #2',
        '    patch: series.mbox (message 3) (not applied)',
        '',
        '0 introduced, 0 fixed, 0 existing, not applied',
        '',
        'total: 1 introduced, 1 fixed, 1 existing in 2 patches (1 not applied)',
        '',
      ].join('\n'),
    );
  });

  it('prints the summary without existing findings when there are none', () => {
    const withoutExisting: DiffResult = {
      ...series,
      patches: [{ ...first, findings: first.findings.filter((audited) => audited.state !== 'existing') }, second],
    };
    const lines = renderDiffText(withoutExisting, {}).split('\n');
    assert.ok(lines.includes('1 introduced, 1 fixed'));
    assert.ok(lines.includes('0 introduced, 0 fixed, not applied'));
    assert.equal(lines.at(-2), 'total: 1 introduced, 1 fixed in 2 patches (1 not applied)');
  });

  it('says in its total line that the audit is partial (the warning goes to standard error), and locates findings off the changed lines by FILE only', () => {
    assert.equal(
      renderDiffReport('text', partial, options),
      [
        'fix.patch',
        '',
        "WARNING:SEQCOUNT_TRUNCATION: 'mmu_seq' (int) truncates 'kvm->mmu_invalidate_seq' (unsigned long)",
        'FILE: arch/x86/kvm/mmu/mmu.c:4321:',
        ' \tint mmu_seq = kvm->mmu_invalidate_seq;',
        "include/linux/kvm_host.h:780:16: note: 'mmu_invalidate_seq' declared unsigned long here",
        "    fix: Declare 'mmu_seq' as unsigned long.",
        '',
        '1 introduced, 0 fixed',
        '',
        'total: 1 introduced, 0 fixed in 1 patch (partial audit: hunks only, no tree)',
        '',
      ].join('\n'),
    );
  });

  it('reports problems of the whole input and patches with nothing to apply', () => {
    const broken: DiffResult = {
      ...series,
      patches: [
        {
          patch: { index: 1, total: 1, label: 'empty.patch', subject: 'empty.patch', diff: '', diffLine: 1 },
          status: 'no-diff',
          files: [],
          findings: [],
          problems: [{ kind: 'empty', patch: 'empty.patch', reason: 'no diff in the message', applied: false }],
        },
      ],
      problems: [{ kind: 'malformed', patch: 'series.mbox', patchLine: 300, reason: 'truncated message', applied: false }],
    };
    assert.equal(
      renderDiffText(broken, {}),
      [
        'empty.patch',
        '',
        'ERROR:PATCH_EMPTY: no diff in the message',
        '    patch: empty.patch (not applied)',
        '',
        '0 introduced, 0 fixed, nothing to apply',
        '',
        'ERROR:PATCH_MALFORMED: truncated message',
        '    patch: series.mbox, line 300 (not applied)',
        '',
        'total: 0 introduced, 0 fixed in 1 patch (1 with nothing to apply)',
        '',
      ].join('\n'),
    );
  });

  it('cannot be used to send escape sequences to the terminal', () => {
    assert.match(text, /^\[PATCH 2\/2\] mm: fix \?\[2Jfoo$/m);
    const hostile: DiffResult = {
      ...series,
      patches: [
        {
          ...first,
          patch: { ...first.patch, label: 'a\x07.mbox', commit: 'x\x1b]0;t' },
          files: ['\x1b[31m.c'],
          findings: [{ ...first.findings[0]!, finding: { ...truncated, sourceLine: '\t/* \x1b[2J */', message: 'm\x9b1m' } }],
          problems: [{ ...second.problems[0]!, file: 'mm/\x1b.c', reason: 'r\x1b' }],
        },
      ],
    };
    for (const color of [false, true]) {
      const output = renderDiffText(hostile, { color });
      assert.doesNotMatch(output.replace(/\x1b\[[0-9;]*m/g, ''), /[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    }
  });

  it('colours the tags only when asked', () => {
    assert.doesNotMatch(text, /\x1b/);
    const coloured = renderDiffText(series, { color: true });
    assert.match(coloured, /^\x1b\[01;35mWARNING:SEQCOUNT_TRUNCATION:\x1b\[0m 'mmu_seq'/m);
    assert.match(coloured, /^\x1b\[01;32mFIXED:USE_AFTER_FREE:\x1b\[0m /m);
    assert.match(coloured, /^\x1b\[01;31mERROR:PATCH_CONTEXT_MISMATCH:\x1b\[0m /m);
    assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), text);
  });
});

describe('diff json report', () => {
  const output = renderDiffReport('json', series, options);
  const report = JSON.parse(output);

  it('starts with the version and mode, and sums up the series', () => {
    assert.ok(output.startsWith('{\n  "version": 1,\n  "mode": "diff",\n  "tool": {\n    "name": "patch-audit",'));
    assert.ok(output.endsWith('}\n'));
    assert.deepEqual(Object.keys(report), ['version', 'mode', 'tool', 'partial', 'tree', 'summary', 'patches', 'problems', 'rules']);
    assert.equal(report.partial, false);
    assert.equal(report.tree, 'linux');
    assert.deepEqual(report.summary, { patches: 2, introduced: 1, fixed: 1, existing: 1, notApplied: 1 });
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.rules.map((rule: { id: string }) => rule.id), ['seqcount-truncation', 'use-after-free', 'missing-unlock']);
  });

  it('describes each patch with its findings and problems', () => {
    const [one, two] = report.patches;
    assert.deepEqual(
      { ...one, findings: undefined, problems: undefined },
      {
        index: 1,
        total: 2,
        label: 'series.mbox (message 2)',
        subject: '[PATCH 1/2] KVM: x86: rework fault retry',
        commit: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
        author: 'A. Hacker <a@example.org>',
        status: 'audited',
        files: ['arch/x86/kvm/mmu/mmu.c', 'drivers/net/foo.c'],
        summary: { introduced: 1, fixed: 1, existing: 1 },
        findings: undefined,
        problems: undefined,
      },
    );
    assert.deepEqual(one.findings[0], { state: 'introduced', patchLine: 57, onChangedLine: true, ...truncated });
    assert.deepEqual(
      one.findings.map((f: { state: string; patchLine?: number; onChangedLine: boolean }) => [f.state, f.patchLine, f.onChangedLine]),
      [
        ['introduced', 57, true],
        ['fixed', 81, true],
        ['existing', undefined, false],
      ],
    );
    assert.deepEqual(Object.keys(one.findings[2]).slice(0, 3), ['state', 'onChangedLine', 'ruleId']);
    assert.equal(one.findings[1].location.line, 42);
    assert.equal(two.status, 'not-applied');
    assert.equal(two.commit, undefined);
    assert.equal(two.subject, '[PATCH 2/2] mm: fix \x1b[2Jfoo', 'JSON keeps the text; its escaping makes it safe');
    assert.deepEqual(two.problems, [
      {
        kind: 'context-mismatch',
        patch: 'series.mbox (message 3)',
        file: 'mm/foo.c',
        hunk: 2,
        patchLine: 140,
        reason: 'hunk does not match the tree at line 210',
        applied: false,
      },
    ]);
  });

  it('does not depend on the key order of its input', () => {
    const reversed = <T extends object>(object: T) => Object.fromEntries(Object.entries(object).reverse()) as T;
    const shuffled: DiffResult = {
      ...series,
      patches: [{ ...first, findings: first.findings.map((f) => reversed({ ...f, finding: reversed(f.finding) })) }, second],
    };
    assert.equal(renderDiffReport('json', shuffled, options), output);
  });

  it('marks a partial audit and leaves the tree out', () => {
    const doc = JSON.parse(renderDiffReport('json', partial, options));
    assert.equal(doc.partial, true);
    assert.ok(!('tree' in doc));
    assert.equal(doc.patches[0].findings[0].onChangedLine, false);
    assert.ok(!('patchLine' in doc.patches[0].findings[0]));
  });
});

describe('diff sarif report', () => {
  const log = JSON.parse(renderDiffReport('sarif', series, options)) as Sarif.Log;
  const run = log.runs[0]!;
  const withFixed = parseValidSarif(renderDiffReport('sarif', series, { ...options, sarif: { includeFixed: true } }));
  const results = withFixed.runs[0]!.results!;

  it('is valid against the SARIF 2.1.0 schema', () => {
    assertValidSarif(log);
    assertValidSarif(JSON.parse(renderDiffReport('sarif', partial, options)) as Sarif.Log);
  });

  it('leaves fixed findings out by default: code scanning would open an alert for each', () => {
    assert.deepEqual(
      run.results!.map((result) => [result.ruleId, result.baselineState]),
      [
        ['seqcount-truncation', 'new'],
        ['missing-unlock', 'unchanged'],
      ],
    );
  });

  it('keeps fixed findings with --sarif-include-fixed, as passes with no level', () => {
    assert.deepEqual(
      results.map((result) => [result.ruleId, result.baselineState, result.kind, result.level, result.properties!['image'], result.properties!['state']]),
      [
        ['seqcount-truncation', 'new', undefined, 'warning', 'post', 'introduced'],
        ['use-after-free', 'absent', 'pass', 'none', 'pre', 'fixed'],
        ['missing-unlock', 'unchanged', undefined, 'warning', 'post', 'existing'],
      ],
    );
    assert.deepEqual(results.map((result) => result.ruleIndex), [0, 1, 2]);
  });

  it('fills automationDetails from the category and caps the results', () => {
    const capped = parseValidSarif(renderDiffReport('sarif', series, { ...options, sarif: { category: 'stable-queue', maxResults: 1 } })).runs[0]!;
    assert.deepEqual(capped.automationDetails, { id: 'stable-queue/' });
    assert.deepEqual(capped.results!.map((result) => result.ruleId), ['seqcount-truncation']);
    const notification = capped.invocations![0]!.toolExecutionNotifications!.at(-1)!;
    assert.equal(notification.message.text, '1 of 2 results left out by --sarif-max-results 1 (the most severe and most certain were kept)');
  });

  it('locates fixed results on the pre-image line, relative to the tree', () => {
    const fixed = results[1]!.locations![0]!.physicalLocation!;
    assert.deepEqual(fixed.artifactLocation, { uri: 'drivers/net/foo.c', uriBaseId: '%SRCROOT%' });
    assert.equal(fixed.region!.startLine, 42);
    assert.equal(fixed.contextRegion!.snippet!.text, freed.sourceLine);
    assert.deepEqual(run.originalUriBaseIds, { '%SRCROOT%': { uri: 'file:///work/src%20dir/linux/' } });
  });

  it('names the patch of each result', () => {
    assert.deepEqual(results[0]!.properties, {
      fix: "Declare 'mmu_seq' as unsigned long.",
      confidence: 'high',
      function: 'kvm_faultin_pfn',
      state: 'introduced',
      image: 'post',
      patch: {
        index: 1,
        subject: '[PATCH 1/2] KVM: x86: rework fault retry',
        label: 'series.mbox (message 2)',
        commit: '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d',
      },
      patchLine: 57,
      onChangedLine: true,
    });
    assert.deepEqual(results[0]!.partialFingerprints, { 'patchAudit/v1': truncated.fingerprint });
    assert.equal(results[0]!.codeFlows![0]!.threadFlows[0]!.locations.length, 2);
  });

  it('reports patch problems as notifications and fails when a patch did not apply', () => {
    const invocation = run.invocations![0]!;
    assert.equal(invocation.executionSuccessful, false);
    assert.deepEqual(
      invocation.toolExecutionNotifications!.map((n) => [n.level, n.message.text]),
      [
        ['note', 'series.mbox (message 2): firmware/foo.bin: GIT binary patch: skipped'],
        ['error', 'series.mbox (message 3): mm/foo.c: hunk #2: hunk does not match the tree at line 210'],
      ],
    );
    assert.deepEqual(invocation.toolExecutionNotifications![1]!.properties, {
      kind: 'context-mismatch',
      patch: { index: 2, subject: '[PATCH 2/2] mm: fix \x1b[2Jfoo', label: 'series.mbox (message 3)' },
      file: 'mm/foo.c',
      hunk: 2,
      patchLine: 140,
      applied: false,
    });
    assert.equal(run.properties!['partial'], false);
    const applied = parseValidSarif(renderDiffReport('sarif', { ...series, patches: [first] }, options));
    assert.equal(applied.runs[0]!.invocations![0]!.executionSuccessful, true);
  });

  it('says when the audit is partial', () => {
    const partialRun = parseValidSarif(renderDiffReport('sarif', partial, options)).runs[0]!;
    assert.equal(partialRun.properties!['partial'], true);
    assert.equal(partialRun.invocations![0]!.executionSuccessful, true);
    assert.deepEqual(
      partialRun.invocations![0]!.toolExecutionNotifications!.map((n) => [n.level, n.message.text]),
      [['warning', 'partial audit: no kernel tree, only the hunks were analysed']],
    );
    assert.deepEqual(partialRun.originalUriBaseIds, { '%SRCROOT%': { uri: 'file:///work/src%20dir/' } });
  });
});

describe('diff checkpatch report', () => {
  // Three lines of diff for patch 1: checkpatch's "lines checked".
  const withDiff: DiffResult = { ...series, patches: [{ ...first, patch: { ...first.patch, diff: 'diff --git a/x b/x\n+one\n+two\n' } }, second] };

  it('prints what each patch introduces as checkpatch --show-types does, with its total line', () => {
    assert.equal(
      renderDiffReport('checkpatch', withDiff, options),
      [
        '-----------------------',
        'series.mbox (message 2)',
        '-----------------------',
        "WARNING:SEQCOUNT_TRUNCATION: 'mmu_seq' (int) truncates 'kvm->mmu_invalidate_seq' (unsigned long)",
        '#57: FILE: arch/x86/kvm/mmu/mmu.c:4321:',
        '+\tint mmu_seq = kvm->mmu_invalidate_seq;',
        "include/linux/kvm_host.h:780:16: note: 'mmu_invalidate_seq' declared unsigned long here",
        "    fix: Declare 'mmu_seq' as unsigned long.",
        '',
        'CHECK:PATCH_BINARY: GIT binary patch: skipped',
        '#95: FILE: firmware/foo.bin',
        '',
        'total: 0 errors, 1 warnings, 1 checks, 3 lines checked',
        '',
        '-----------------------',
        'series.mbox (message 3)',
        '-----------------------',
        'ERROR:PATCH_CONTEXT_MISMATCH: hunk does not match the tree at line 210',
        '#140: FILE: mm/foo.c',
        '',
        'total: 1 errors, 0 warnings, 0 lines checked',
        '',
      ].join('\n'),
    );
  });

  it('--terse: one FILE:LINE: LEVEL:TYPE: message line each, then the totals; --no-summary drops them', () => {
    const terse = renderDiffReport('checkpatch', withDiff, { ...options, checkpatch: { terse: true } }).split('\n');
    assert.deepEqual(terse, [
      "arch/x86/kvm/mmu/mmu.c:4321: WARNING:SEQCOUNT_TRUNCATION: 'mmu_seq' (int) truncates 'kvm->mmu_invalidate_seq' (unsigned long)",
      'series.mbox (message 2):95: CHECK:PATCH_BINARY: GIT binary patch: skipped',
      'total: 0 errors, 1 warnings, 1 checks, 3 lines checked',
      'series.mbox (message 3):140: ERROR:PATCH_CONTEXT_MISMATCH: hunk does not match the tree at line 210',
      'total: 1 errors, 0 warnings, 0 lines checked',
      '',
    ]);
    const quiet = renderDiffReport('checkpatch', withDiff, { ...options, checkpatch: { terse: true, summary: false } });
    assert.doesNotMatch(quiet, /^total:/m);
    for (const line of quiet.trimEnd().split('\n')) assert.match(line, /^[^:]+:\d+: (ERROR|WARNING|CHECK):[A-Z_]+: /);
    assert.equal(quiet.trimEnd().split('\n').length, 3);
  });

  it('leaves fixed, existing and suppressed findings out: a patch is judged by what it adds and does not accept', () => {
    const report = renderDiffReport('checkpatch', series, options);
    assert.doesNotMatch(report, /USE_AFTER_FREE|MISSING_UNLOCK|FIXED|EXISTING/);
    const accepted = { ...truncated, suppression: { reason: 'the count is reset on each retry', line: 4320 } };
    const suppressed: DiffResult = { ...withDiff, patches: [{ ...withDiff.patches[0]!, findings: [{ state: 'introduced', finding: accepted, patchLine: 57, onChangedLine: true }] }] };
    const lines = renderDiffReport('checkpatch', suppressed, { ...options, checkpatch: { terse: true } }).split('\n');
    assert.deepEqual(lines.slice(0, 2), [
      'series.mbox (message 2):95: CHECK:PATCH_BINARY: GIT binary patch: skipped',
      'total: 0 errors, 0 warnings, 1 checks, 3 lines checked',
    ]);
  });
});

describe('renderDiffReport', () => {
  it('offers every format, ends each with a newline and is deterministic', () => {
    assert.deepEqual(DIFF_REPORT_FORMATS, ['text', 'checkpatch', 'json', 'sarif']);
    for (const format of DIFF_REPORT_FORMATS) {
      assert.ok(isDiffReportFormat(format));
      const output = renderDiffReport(format, series, options);
      assert.ok(output.endsWith('\n') && !output.endsWith('\n\n'));
      assert.equal(output, renderDiffReport(format, series, options));
      if (format === 'sarif') parseValidSarif(output);
    }
    assert.equal(isDiffReportFormat('html'), false);
  });
});
