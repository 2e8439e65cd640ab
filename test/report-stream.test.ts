// The JSON and SARIF reports written in pieces (src/report/json-chunks.ts) are
// the text JSON.stringify gives the whole document, byte for byte.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Finding, ScanResult } from '../src/model';
import { MappedArray, prettyJsonChunks } from '../src/report/json-chunks';
import { renderReport, reportChunks, REPORT_FORMATS, type ReportOptions } from '../src/report/index';
import { writeReport } from '../src/commands/report-output';

const join = (pieces: Iterable<string>) => [...pieces].join('');

function finding(i: number): Finding {
  return {
    ruleId: i % 2 ? 'ignored-fault-error' : 'seqcount-truncation',
    severity: 'warning',
    confidence: (['high', 'medium', 'low'] as const)[i % 3],
    message: `result of f${i}() dropped: "quoted", back\\slash, tab\t, délai €, \u2028 line separator`,
    location: { file: `drivers/dir ${i % 7}/file.c`, line: i + 1, column: 3, endLine: i + 2, endColumn: 9 },
    sourceLine: '\tf(x);\r',
    ...(i % 4 === 0 ? {} : { functionName: `fn_${i}` }),
    evidence: i % 5 === 0 ? [] : [{ location: { file: 'a.c', line: 1, column: 1, endLine: 1, endColumn: 2 }, message: 'here\nand there' }, { location: { file: 'a.c', line: 2, column: 1, endLine: 2, endColumn: 2 }, message: 'x', sourceLine: 'y' }],
    fix: 'Check it.',
    fingerprint: `abc${i}${i % 3 ? '' : ':1'}`,
    ...(i % 6 === 1 ? { suppression: { reason: 'fine', line: i } } : {}),
    ...(i % 8 === 2 ? { baselineState: 'unchanged' as const } : {}),
    ...(i % 3 === 0 ? { siblingKey: { id: `f${i}()`, reason: 'drop it', calls: [`f${i}`], dropsResult: true } } : {}),
  };
}

const result: ScanResult = {
  findings: Array.from({ length: 60 }, (_, i) => finding(i)),
  problems: [{ path: 'x/blob.c', kind: 'binary', reason: 'contains NUL bytes (binary file)', analysed: false }],
  stats: { filesConsidered: 9, filesParsed: 5, filesSkippedByPrefilter: 3, bytesRead: 12345, emptyFiles: 1 },
  rules: [
    { id: 'seqcount-truncation', description: 'd', category: 'integer', severity: 'warning', confidence: 'high', references: [], docs: '' },
    { id: 'ignored-fault-error', description: 'e', category: 'error-handling', severity: 'warning', confidence: 'medium', references: [], docs: '' },
  ],
  gating: {
    suppressed: 3,
    suppressionProblems: [{ file: 'a.c', line: 3, column: 2, kind: 'unused', message: 'unused' }],
    baseline: { file: 'b.json', unchanged: 2, stale: [{ rule: 'seqcount-truncation', file: 'a.c', fingerprint: 'f', count: 2, message: 'm' }] },
  },
  shard: { index: 2, count: 3 },
};

const options: ReportOptions = { toolVersion: '0.1.0', cwd: '/tmp' };

describe('JSON written in pieces', () => {
  it('is JSON.stringify(value, null, 2) for any value and depth', () => {
    const values: unknown[] = [
      {},
      [],
      { a: [], b: {}, c: [1, [2, [3, {}]], { d: null }], e: undefined, f: () => 1, g: 'x\ny', h: [undefined, () => 2] },
      [{ nested: { deeper: [true, false, 0, -1.5, 'é'] } }, [], 'last'],
      { date: new Date(0), list: [new Date(1)] },
      'top',
      42,
      null,
    ];
    for (const value of values) {
      for (const depth of [0, 1, 2, 3, 8]) {
        assert.equal(join(prettyJsonChunks(value, depth)), `${JSON.stringify(value, null, 2)}\n`, `depth ${depth}: ${JSON.stringify(value)}`);
      }
    }
  });

  it('makes the records of a MappedArray as it writes them', () => {
    const made: number[] = [];
    const mapped = new MappedArray([1, 2, 3], (n) => (made.push(n), { n, twice: [n, n] }));
    const pieces = prettyJsonChunks({ before: 'x', items: mapped, empty: new MappedArray([], (n) => n) }, 2);
    const first = pieces.next().value as string;
    assert.equal(made.length, 0, `nothing made before the array is reached (first piece ${JSON.stringify(first)})`);
    const text = first + join({ [Symbol.iterator]: () => pieces });
    assert.deepEqual(made, [1, 2, 3]);
    assert.equal(text, `${JSON.stringify({ before: 'x', items: [1, 2, 3].map((n) => ({ n, twice: [n, n] })), empty: [] }, null, 2)}\n`);
  });

  it('the scan report in pieces equals the report rendered whole, with and without findings', () => {
    const sarifCapped: ReportOptions = { ...options, informationUri: 'https://example.org/pa', sarif: { helpUriBase: 'https://example.org/rules/', category: 'kernel/mm', maxResults: 7 } };
    for (const scan of [result, { ...result, findings: [], gating: undefined, shard: undefined }, { ...result, problems: [] }]) {
      for (const format of REPORT_FORMATS) {
        for (const settings of [options, sarifCapped]) {
          assert.equal(join(reportChunks(format, scan, settings)), renderReport(format, scan, settings), format);
        }
      }
    }
    assert.ok([...reportChunks('json', result, options)].length > result.findings.length, 'JSON comes finding by finding');
    assert.ok([...reportChunks('sarif', result, options)].length > result.findings.length, 'SARIF comes result by result');
  });

  it('writeReport writes the pieces of a report larger than one write, to a file, as the whole text', () => {
    const big: ScanResult = { ...result, findings: Array.from({ length: 6000 }, (_, i) => finding(i)) };
    const whole = renderReport('json', big, options);
    assert.ok(whole.length > 2 << 20, `more than two writes (${whole.length} characters)`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-report-stream-'));
    try {
      const file = path.join(dir, 'report.json');
      writeReport(reportChunks('json', big, options), file);
      assert.ok(fs.readFileSync(file).equals(Buffer.from(whole)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
