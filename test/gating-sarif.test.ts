// What gating adds to SARIF: suppressions (inSource, with the reason) and a
// scan's baselineState, in logs that still pass the SARIF check.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Finding, ScanResult } from '../src/model';
import { buildSarifLog } from '../src/report/sarif';
import { assertValidSarif } from './support/sarif-check';

function finding(line: number, extra: Partial<Finding>): Finding {
  return {
    ruleId: 'zero-page-refcount',
    severity: 'error',
    confidence: 'high',
    message: 'a reference on a page that may not be refcounted',
    location: { file: 'mm/a.c', line, column: 2, endLine: line, endColumn: 10 },
    sourceLine: '\tput_page(page);',
    evidence: [],
    fix: 'check it',
    fingerprint: `00000000000000${String(line).padStart(2, '0')}`,
    ...extra,
  };
}

describe('SARIF of a gated scan', () => {
  it('carries suppressions and baselineState and stays valid', () => {
    const result: ScanResult = {
      findings: [
        finding(10, { suppression: { reason: 'the caller holds a pin', line: 9 }, baselineState: 'new' }),
        finding(20, { baselineState: 'unchanged' }),
        finding(30, { baselineState: 'new' }),
      ],
      problems: [],
      stats: { filesConsidered: 1, filesParsed: 1, filesSkippedByPrefilter: 0, bytesRead: 1, emptyFiles: 0 },
      rules: [{ id: 'zero-page-refcount', description: 'd', category: 'c', severity: 'error', confidence: 'high', references: [], docs: '## Summary\nd\n' }],
    };
    const log = buildSarifLog(result, { toolVersion: '0.1.0', cwd: '/tmp', informationUri: 'https://example.org/patch-audit' });
    assertValidSarif(log);
    const results = log.runs[0].results!;
    assert.deepEqual(results[0].suppressions, [{ kind: 'inSource', justification: 'the caller holds a pin' }]);
    assert.equal(results[1].suppressions, undefined);
    assert.deepEqual(results.map((r) => r.baselineState), ['new', 'unchanged', 'new']);
  });
});
