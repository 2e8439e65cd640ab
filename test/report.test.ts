import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as Sarif from 'sarif';
import type { Finding, RuleInfo, ScanResult } from '../src/model';
import { REPORT_FORMATS, isReportFormat, renderReport, type ReportOptions } from '../src/report/index';
import { sarifVolumeNotices } from '../src/report/sarif-limits';
import { assertValidSarif, parseValidSarif, sarifSchemaErrors } from './support/sarif-check';

const useAfterFree: RuleInfo = {
  id: 'use-after-free',
  description: 'Memory is used after it was freed',
  category: 'memory-safety',
  severity: 'error',
  confidence: 'high',
  references: ['Documentation/core-api/memory-allocation.rst'],
  docs: '# use-after-free\n\n## Summary\n\nA pointer is dereferenced after the object\nit points to was freed.\n\nSecond paragraph.\n',
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

const freedSkb: Finding = {
  ruleId: 'use-after-free',
  severity: 'error',
  confidence: 'high',
  message: "'skb' used after kfree_skb()",
  location: { file: 'drivers/net/foo.c', line: 42, column: 9, endLine: 42, endColumn: 12 },
  sourceLine: '\tmemcpy(skb->data, buf, len);',
  functionName: 'foo_xmit',
  evidence: [
    {
      location: { file: 'drivers/net/foo.c', line: 40, column: 2, endLine: 40, endColumn: 17 },
      message: "'skb' freed by kfree_skb() here",
      sourceLine: '\tkfree_skb(skb);',
    },
  ],
  fix: "Move kfree_skb(skb) after the last use of 'skb'.",
  fingerprint: 'use-after-free:foo_xmit:3f2a',
};

// Non-ASCII text before the column: byte column 22 is UTF-16 column 21.
const heldLock: Finding = {
  ruleId: 'missing-unlock',
  severity: 'warning',
  confidence: 'medium',
  message: "'sb->s_lock' still held on return",
  location: { file: 'fs/ext4/super ops.c', line: 7, column: 22, endLine: 7, endColumn: 28 },
  sourceLine: '\tpr_debug("délai"); return ret;',
  evidence: [
    {
      // "ü" and "€" before the column: byte column 15 is UTF-16 column 12.
      location: { file: 'fs/ext4/super ops.c', line: 3, column: 15, endLine: 3, endColumn: 38 },
      message: "'sb->s_lock' locked here",
      sourceLine: '\t/* ü € */ mutex_lock(&sb->s_lock);',
    },
  ],
  fix: 'Call mutex_unlock(&sb->s_lock) before returning.',
  fingerprint: 'missing-unlock::9c1d',
};

const scan: ScanResult = {
  findings: [freedSkb, heldLock],
  problems: [
    { path: 'drivers/gpu/blob.c', kind: 'binary', reason: 'contains NUL bytes (binary file)', analysed: false },
    { path: 'drivers/old/latin1.c', kind: 'not-utf8', reason: 'not valid UTF-8; decoded as Latin-1', analysed: true },
  ],
  stats: { filesConsidered: 120, filesParsed: 80, filesSkippedByPrefilter: 38, bytesRead: 912345, emptyFiles: 2 },
  rules: [useAfterFree, missingUnlock],
};

const options: ReportOptions = {
  toolVersion: '0.1.0',
  cwd: '/work/tree with space',
  informationUri: 'https://example.org/patch-audit',
  sarif: { helpUriBase: 'https://example.org/patch-audit/rules/' },
};

describe('text report', () => {
  it('prints gcc-style diagnostics, input problems and a summary', () => {
    assert.deepEqual(renderReport('text', scan, options).split('\n'), [
      "drivers/net/foo.c:42:9: error: 'skb' used after kfree_skb() [use-after-free]",
      '   42 | \tmemcpy(skb->data, buf, len);',
      '      | \t       ^~~',
      "drivers/net/foo.c:40:2: note: 'skb' freed by kfree_skb() here",
      "    fix: Move kfree_skb(skb) after the last use of 'skb'.",
      "fs/ext4/super ops.c:7:22: warning: 'sb->s_lock' still held on return [missing-unlock]",
      '    7 | \tpr_debug("délai"); return ret;',
      '      | \t                   ^~~~~~',
      "fs/ext4/super ops.c:3:15: note: 'sb->s_lock' locked here",
      '    fix: Call mutex_unlock(&sb->s_lock) before returning.',
      'drivers/gpu/blob.c: error: contains NUL bytes (binary file) [input]',
      'drivers/old/latin1.c: note: not valid UTF-8; decoded as Latin-1 [input]',
      '2 findings (1 error, 1 warning) in 120 files; 1 file could not be analysed',
      '',
    ]);
  });

  it('explains each rule once, from the Summary section of its docs', () => {
    const twice: ScanResult = { ...scan, findings: [freedSkb, freedSkb, heldLock], problems: [] };
    const lines = renderReport('text', twice, { ...options, explain: true }).split('\n');
    const explanations = lines.filter((line) => line.startsWith('    explain ['));
    assert.deepEqual(explanations, [
      '    explain [use-after-free]: A pointer is dereferenced after the object it points to was freed.',
      '    explain [missing-unlock]: Every return path must release the locks it took.',
    ]);
    assert.equal(lines.indexOf(explanations[0]!), 5, 'explanation follows the fix of the first finding');
    assert.equal(lines.at(-2), '3 findings (2 errors, 1 warning) in 120 files');
  });

  it('colours like gcc only when asked', () => {
    assert.doesNotMatch(renderReport('text', scan, options), /\x1b/);
    const coloured = renderReport('text', scan, { ...options, color: true });
    assert.ok(coloured.startsWith('\x1b[01mdrivers/net/foo.c:42:9:\x1b[0m \x1b[01;31merror:\x1b[0m '));
    assert.match(coloured, /\x1b\[01;35mwarning:\x1b\[0m/);
    assert.match(coloured, /\x1b\[01;36mnote:\x1b\[0m 'skb' freed/);
  });

  it('cannot be used to send escape sequences to the terminal', () => {
    const hostile: Finding = { ...freedSkb, sourceLine: '\t/* \x1b[2J */ x;', message: 'bad\x1b]0;title\x07' };
    const text = renderReport('text', { ...scan, findings: [hostile] }, options);
    assert.doesNotMatch(text, /[\x1b\x07]/);
  });

  it('says so when there is nothing to report', () => {
    const clean: ScanResult = { ...scan, findings: [], problems: [] };
    assert.equal(renderReport('text', clean, options), '0 findings in 120 files\n');
  });
});

describe('checkpatch report', () => {
  it('uses the checkpatch --show-types layout and totals', () => {
    assert.equal(
      renderReport('checkpatch', scan, options),
      [
        "ERROR:USE_AFTER_FREE: 'skb' used after kfree_skb()",
        '#42: FILE: drivers/net/foo.c:42:',
        '+\tmemcpy(skb->data, buf, len);',
        "drivers/net/foo.c:40:2: note: 'skb' freed by kfree_skb() here",
        "    fix: Move kfree_skb(skb) after the last use of 'skb'.",
        '',
        "WARNING:MISSING_UNLOCK: 'sb->s_lock' still held on return",
        '#7: FILE: fs/ext4/super ops.c:7:',
        '+\tpr_debug("délai"); return ret;',
        "fs/ext4/super ops.c:3:15: note: 'sb->s_lock' locked here",
        '    fix: Call mutex_unlock(&sb->s_lock) before returning.',
        '',
        'ERROR:INPUT_BINARY: contains NUL bytes (binary file)',
        'FILE: drivers/gpu/blob.c',
        '',
        'CHECK:INPUT_NOT_UTF8: not valid UTF-8; decoded as Latin-1',
        'FILE: drivers/old/latin1.c',
        '',
        'total: 2 errors, 1 warnings, 1 checks, 120 files checked',
        '',
      ].join('\n'),
    );
  });

  it('counts info findings as checks and leaves checks out when there are none', () => {
    const info: Finding = { ...heldLock, severity: 'info' };
    const withInfo = renderReport('checkpatch', { ...scan, findings: [info], problems: [] }, options);
    assert.ok(withInfo.startsWith('CHECK:MISSING_UNLOCK: '));
    assert.ok(withInfo.endsWith('\ntotal: 0 errors, 0 warnings, 1 checks, 120 files checked\n'));
    const clean = renderReport('checkpatch', { ...scan, findings: [], problems: [] }, options);
    assert.equal(clean, 'total: 0 errors, 0 warnings, 120 files checked\n');
  });
});

describe('json report', () => {
  it('round-trips the scan result', () => {
    const output = renderReport('json', scan, options);
    assert.ok(output.startsWith('{\n  "version": 1,\n  "tool": {\n    "name": "patch-audit",'));
    assert.deepEqual(JSON.parse(output), {
      version: 1,
      tool: { name: 'patch-audit', version: '0.1.0' },
      findings: scan.findings,
      problems: scan.problems,
      stats: scan.stats,
      rules: [
        { id: 'use-after-free', description: 'Memory is used after it was freed', severity: 'error', confidence: 'high' },
        { id: 'missing-unlock', description: 'A lock is not released on every return path', severity: 'warning', confidence: 'medium' },
      ],
    });
  });

  it('does not depend on the key order of its input', () => {
    const reordered = Object.fromEntries(Object.entries(freedSkb).reverse()) as unknown as Finding;
    const shuffled = { ...scan, findings: [reordered, heldLock] };
    assert.equal(renderReport('json', shuffled, options), renderReport('json', scan, options));
  });
});

describe('sarif report', () => {
  const log = JSON.parse(renderReport('sarif', scan, options)) as Sarif.Log;
  const run = log.runs[0]!;
  const results = run.results!;

  it('is valid against the SARIF 2.1.0 schema', () => {
    assertValidSarif(log);
  });

  it('is checked by a schema that rejects what code scanning would reject', () => {
    const broken = structuredClone(log);
    broken.runs[0]!.results![0]!.level = 'fatal' as Sarif.Result.level;
    delete (broken.runs[0]!.results![1] as Partial<Sarif.Result>).message;
    const errors = sarifSchemaErrors(broken);
    assert.ok(errors.some((error) => error.startsWith('/runs/0/results/0/level:')), errors.join('\n'));
    assert.ok(errors.some((error) => error.startsWith('/runs/0/results/1:') && error.includes('message')), errors.join('\n'));
  });

  it('gives every column, evidence included, in UTF-16 code units', () => {
    const evidence = results[1]!.relatedLocations![0]!.physicalLocation!.region!;
    assert.deepEqual([evidence.startColumn, evidence.endColumn], [12, 35]);
    const flowStep = results[1]!.codeFlows![0]!.threadFlows[0]!.locations[0]!.location!.physicalLocation!.region!;
    assert.deepEqual([flowStep.startColumn, flowStep.endColumn], [12, 35]);
    assert.equal(evidence.snippet!.text, 'mutex_lock(&sb->s_lock)');
    // A step whose line text is unknown gives no column rather than a byte column.
    const unknownLine = { ...scan, findings: [{ ...heldLock, evidence: [{ ...heldLock.evidence[0]!, sourceLine: undefined }] }] };
    const region = parseValidSarif(renderReport('sarif', unknownLine, options)).runs[0]!.results![0]!.relatedLocations![0]!.physicalLocation!.region!;
    assert.deepEqual(region, { startLine: 3, endLine: 3 });
  });

  it('fills automationDetails from --sarif-category and caps the results, keeping the most severe', () => {
    const capped = parseValidSarif(renderReport('sarif', scan, { ...options, sarif: { category: 'kernel/mm', maxResults: 1 } })).runs[0]!;
    assert.deepEqual(capped.automationDetails, { id: 'kernel/mm/' });
    assert.deepEqual(capped.results!.map((result) => result.ruleId), ['use-after-free']);
    const lowFirst = { ...scan, findings: [heldLock, freedSkb] };
    const kept = parseValidSarif(renderReport('sarif', lowFirst, { ...options, sarif: { maxResults: 1 } })).runs[0]!;
    assert.deepEqual(kept.results!.map((result) => result.ruleId), ['use-after-free']);
    assert.deepEqual(kept.invocations![0]!.toolExecutionNotifications!.at(-1)!.properties, { kind: 'results-capped', omitted: 1 });
  });

  it('describes the tool and its rules', () => {
    const driver = run.tool.driver;
    assert.equal(driver.name, 'patch-audit');
    assert.equal(driver.version, '0.1.0');
    assert.equal(driver.informationUri, 'https://example.org/patch-audit');
    assert.deepEqual(driver.rules![0], {
      id: 'use-after-free',
      name: 'UseAfterFree',
      shortDescription: { text: 'Memory is used after it was freed' },
      fullDescription: { text: 'A pointer is dereferenced after the object it points to was freed.' },
      helpUri: 'https://example.org/patch-audit/rules/use-after-free.md',
      help: { text: useAfterFree.docs, markdown: useAfterFree.docs },
      defaultConfiguration: { level: 'error' },
      properties: {
        category: 'memory-safety',
        confidence: 'high',
        tags: ['security', 'linux-kernel', 'memory-safety'],
        precision: 'high',
        'problem.severity': 'error',
        'security-severity': '8.0',
      },
    });
    assert.deepEqual(
      [driver.rules![1]!.properties!['precision'], driver.rules![1]!.properties!['problem.severity'], driver.rules![1]!.properties!['security-severity']],
      ['medium', 'warning', '5.5'],
    );
    assert.equal(driver.rules![1]!.name, 'MissingUnlock');
    assert.equal(driver.rules![1]!.defaultConfiguration!.level, 'warning');
  });

  it('locates results relative to %SRCROOT% with percent-encoded URIs', () => {
    assert.deepEqual(run.originalUriBaseIds, { '%SRCROOT%': { uri: 'file:///work/tree%20with%20space/' } });
    const held = results[1]!.locations![0]!.physicalLocation!;
    assert.deepEqual(held.artifactLocation, { uri: 'fs/ext4/super%20ops.c', uriBaseId: '%SRCROOT%' });
    // UTF-16 columns: "é" is two bytes but one code unit.
    assert.deepEqual(held.region, {
      startLine: 7,
      startColumn: 21,
      endLine: 7,
      endColumn: 27,
      snippet: { text: 'return' },
    });
    assert.equal(held.contextRegion!.snippet!.text, heldLock.sourceLine);
  });

  it('carries the evidence, fingerprint, fix and function', () => {
    const freed = results[0]!;
    assert.equal(freed.ruleId, 'use-after-free');
    assert.equal(freed.ruleIndex, 0);
    assert.equal(freed.level, 'error');
    assert.deepEqual(freed.message, { text: "'skb' used after kfree_skb()" });
    assert.deepEqual(freed.partialFingerprints, { 'patchAudit/v1': 'use-after-free:foo_xmit:3f2a' });
    assert.deepEqual(freed.properties, {
      fix: "Move kfree_skb(skb) after the last use of 'skb'.",
      confidence: 'high',
      function: 'foo_xmit',
    });
    assert.equal(freed.relatedLocations!.length, 1);
    assert.equal(freed.relatedLocations![0]!.id, 1);
    assert.equal(freed.relatedLocations![0]!.message!.text, "'skb' freed by kfree_skb() here");
    const flow = freed.codeFlows![0]!.threadFlows[0]!.locations.map((step) => [
      step.location!.physicalLocation!.region!.startLine,
      step.location!.message!.text,
    ]);
    assert.deepEqual(flow, [
      [40, "'skb' freed by kfree_skb() here"],
      [42, "'skb' used after kfree_skb()"],
    ]);
    assert.equal(results[1]!.properties!['function'], undefined);
  });

  it('reports input problems as tool execution notifications', () => {
    const invocation = run.invocations![0]!;
    assert.equal(invocation.executionSuccessful, false);
    assert.deepEqual(
      invocation.toolExecutionNotifications!.map((n) => [n.level, n.message.text]),
      [
        ['error', 'drivers/gpu/blob.c: contains NUL bytes (binary file)'],
        ['note', 'drivers/old/latin1.c: not valid UTF-8; decoded as Latin-1'],
      ],
    );
    const partial = parseValidSarif(renderReport('sarif', { ...scan, problems: [scan.problems[1]!] }, options));
    assert.equal(partial.runs[0]!.invocations![0]!.executionSuccessful, true);
  });
});

describe('SARIF volume', () => {
  it('warns past code scanning\'s 25,000 results a run, and notes what a cap left out', () => {
    assert.deepEqual(sarifVolumeNotices(25_000, undefined), []);
    const [warning] = sarifVolumeNotices(117_000, undefined);
    assert.match(warning!, /^warning: 117000 SARIF results: GitHub code scanning rejects a run of more than 25000; cap them with --sarif-max-results 25000/);
    assert.deepEqual(sarifVolumeNotices(117_000, 25_000), [
      'note: 92000 of 117000 results left out by --sarif-max-results 25000 (the most severe and most certain were kept)',
    ]);
    assert.equal(sarifVolumeNotices(30_000, 28_000).length, 2, 'a cap above the limit still warns');
  });
});

describe('renderReport', () => {
  it('offers every format and is deterministic', () => {
    assert.deepEqual(REPORT_FORMATS, ['text', 'checkpatch', 'json', 'sarif']);
    for (const format of REPORT_FORMATS) {
      assert.ok(isReportFormat(format));
      const output = renderReport(format, scan, options);
      assert.equal(output, renderReport(format, scan, options));
      if (format === 'sarif') parseValidSarif(output);
    }
    assert.equal(isReportFormat('html'), false);
  });
});
