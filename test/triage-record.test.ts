// The precision record (bench/triage/*.tsv) and the triage tool: parsing,
// matching rows to findings, the counts, the sample, and the CLI's errors.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseFindings, type ReportedFinding } from '../bench/precision/findings';
import { matchRows } from '../bench/precision/match';
import { HEADER, RecordFormatError, appendRows, latestRows, parseRecord, readRecordDir, type TriageRow } from '../bench/precision/record';
import { buildReport, renderReport } from '../bench/precision/report';
import { drawSample, renderForTriage, seededRandom } from '../bench/precision/sample';
import { REPO } from './support/fixtures';

const TRIAGE_CLI = path.join(REPO, 'dist', 'bench', 'triage.js');

function finding(ruleId: string, confidence: ReportedFinding['confidence'], where: string, fingerprint: string): ReportedFinding {
  const [file, line, column] = where.split(':');
  return {
    ruleId,
    confidence,
    message: `${ruleId} at ${where}`,
    location: { file, line: Number(line), column: Number(column) },
    evidence: [],
    fingerprint,
  };
}

function record(ruleId: string, lines: string[]): TriageRow[] {
  return parseRecord([HEADER, ...lines].join('\n') + '\n', ruleId, `${ruleId}.tsv`);
}

const made: string[] = [];
after(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-test-'));
  made.push(dir);
  return dir;
}

const FP = {
  a: 'aaaaaaaaaaaaaaaa',
  b: 'bbbbbbbbbbbbbbbb',
  c: 'cccccccccccccccc',
  d: 'dddddddddddddddd',
};

describe('precision record: parsing', () => {
  it('reads rows with their location, verdict and origin', () => {
    const rows = record('widget-leak', [
      `drivers/widget/core.c:120:9\t${FP.a}\tmedium\ttrue\tthe buffer is sent to the device unfilled\t2026-11-30`,
      '# a comment line',
      '',
      `drivers/widget/core.c:200:2\t${FP.b}:1\thigh\tfalse\tthe caller is a void teardown\t2026-12-01`,
    ]);
    assert.equal(rows.length, 2);
    assert.deepEqual(
      { file: rows[0].file, line: rows[0].line, column: rows[0].column, tier: rows[0].tier, verdict: rows[0].verdict, source: rows[0].source },
      { file: 'drivers/widget/core.c', line: 120, column: 9, tier: 'medium', verdict: 'true', source: 'widget-leak.tsv:2' },
    );
    assert.equal(rows[1].fingerprint, `${FP.b}:1`);
    assert.equal(rows[1].source, 'widget-leak.tsv:5');
  });

  const malformed: [string, string, RegExp][] = [
    ['too few columns', `a.c:1:1\t${FP.a}\tmedium\ttrue\t2026-11-30`, /x\.tsv:2: 5 tab-separated columns, expected 6/],
    ['a location without a column', `a.c:1\t${FP.a}\tmedium\ttrue\twhy\t2026-11-30`, /x\.tsv:2: location 'a\.c:1' is not file:line:col/],
    ['a bad fingerprint', `a.c:1:1\txyz\tmedium\ttrue\twhy\t2026-11-30`, /x\.tsv:2: fingerprint 'xyz'/],
    ['an unknown tier', `a.c:1:1\t${FP.a}\turgent\ttrue\twhy\t2026-11-30`, /x\.tsv:2: tier 'urgent'/],
    ['an unknown verdict', `a.c:1:1\t${FP.a}\tmedium\tmaybe\twhy\t2026-11-30`, /x\.tsv:2: verdict 'maybe'/],
    ['an empty reason', `a.c:1:1\t${FP.a}\tmedium\tfalse\t \t2026-11-30`, /x\.tsv:2: the reason is empty/],
    ['an impossible date', `a.c:1:1\t${FP.a}\tmedium\tfalse\twhy\t2026-02-30`, /x\.tsv:2: date '2026-02-30'/],
  ];
  for (const [what, line, message] of malformed) {
    it(`names the file and line of ${what}`, () => {
      assert.throws(() => record('x', [line]), (error: Error) => error instanceof RecordFormatError && message.test(error.message));
    });
  }

  it('requires the header first', () => {
    assert.throws(
      () => parseRecord(`a.c:1:1\t${FP.a}\tmedium\ttrue\twhy\t2026-11-30\n`, 'x', 'x.tsv'),
      (error: Error) => error instanceof RecordFormatError && /^x\.tsv:1: the first line must be the header/.test(error.message),
    );
  });

  it('accepts rows still to fill in only with both verdict and reason pending', () => {
    assert.equal(record('x', [`a.c:1:1\t${FP.a}\tmedium\t?\t?\t2026-11-30`])[0].verdict, '?');
    assert.throws(() => record('x', [`a.c:1:1\t${FP.a}\tmedium\tfalse\t?\t2026-11-30`]), /the reason is empty/);
  });

  it('keeps the latest verdict of a finding triaged twice', () => {
    const rows = latestRows(
      record('x', [
        `a.c:5:1\t${FP.a}\thigh\ttrue\tfirst reading\t2026-11-21`,
        `a.c:9:1\t${FP.b}\thigh\tfalse\tanother finding\t2026-11-21`,
        `a.c:5:1\t${FP.a}\thigh\tfalse\tsecond reading: the value fits\t2026-12-01`,
      ]),
    );
    assert.deepEqual(
      rows.map((r) => [r.line, r.verdict]),
      [
        [9, 'false'],
        [5, 'false'],
      ],
    );
  });

  it('writes rows that read back the same, with a header in a new file', () => {
    const dir = tempDir();
    const row = { file: 'b.c', line: 3, column: 4, fingerprint: FP.c, tier: 'high' as const, verdict: '?' as const, reason: '?', date: '2026-12-01' };
    appendRows(dir, 'rule-x', [row]);
    appendRows(dir, 'rule-x', [{ ...row, line: 7 }]);
    const text = fs.readFileSync(path.join(dir, 'rule-x.tsv'), 'utf8');
    assert.equal(text.split('\n')[0], HEADER);
    assert.deepEqual(
      readRecordDir(dir).map((r) => [r.ruleId, r.line, r.fingerprint]),
      [
        ['rule-x', 3, FP.c],
        ['rule-x', 7, FP.c],
      ],
    );
  });
});

describe('precision record: matching rows to findings', () => {
  it('follows a finding by fingerprint when its line moved, and by line when its code changed', () => {
    const rows = record('r', [`a.c:10:2\t${FP.a}\tmedium\ttrue\twhy\t2026-11-30`, `a.c:20:2\t${FP.b}\tmedium\tfalse\twhy\t2026-11-30`]);
    const moved = finding('r', 'medium', 'a.c:14:2', FP.a);
    const edited = finding('r', 'medium', 'a.c:20:2', FP.c);
    const matches = matchRows(rows, [edited, moved]);
    assert.equal(matches[0].finding, moved);
    assert.equal(matches[0].by, 'fingerprint');
    assert.equal(matches[1].finding, edited);
    assert.equal(matches[1].by, 'line');
  });

  it('does not take the same code in another file, nor another rule at the line', () => {
    const rows = record('r', [`a.c:10:2\t${FP.a}\tmedium\ttrue\twhy\t2026-11-30`]);
    const matches = matchRows(rows, [finding('r', 'medium', 'b.c:10:2', FP.a), finding('other', 'medium', 'a.c:10:2', FP.a)]);
    assert.equal(matches[0].finding, undefined);
  });

  it('matches one to one, and an occurrence number that changed by its base', () => {
    const rows = record('r', [`a.c:10:2\t${FP.a}:1\tmedium\ttrue\tfirst\t2026-11-30`, `a.c:30:2\t${FP.a}:2\tmedium\tfalse\tsecond\t2026-11-30`]);
    // One copy of the code above them was removed: both occurrence numbers moved down by one.
    const first = finding('r', 'medium', 'a.c:8:2', FP.a);
    const second = finding('r', 'medium', 'a.c:28:2', `${FP.a}:1`);
    const matches = matchRows(rows, [first, second]);
    assert.equal(matches[0].finding, second, 'the exact fingerprint wins');
    assert.equal(matches[1].finding, first, 'the base fingerprint takes what is left');
  });
});

describe('precision record: counts', () => {
  const rows = record('r', [
    `a.c:1:1\t${FP.a}\thigh\ttrue\tkept at high\t2026-11-30`,
    `a.c:2:1\t${FP.b}\thigh\tplausible\tdemoted to medium\t2026-11-30`,
    `a.c:3:1\t${FP.c}\tmedium\tfalse\tdemoted to low\t2026-11-30`,
    `a.c:4:1\t${FP.d}\tmedium\tfalse\tstill medium\t2026-11-30`,
    `a.c:5:1\t-\tmedium\ttrue\tno longer reported\t2026-11-30`,
  ]);
  const findings = [
    finding('r', 'high', 'a.c:1:1', FP.a),
    finding('r', 'medium', 'a.c:2:1', FP.b),
    finding('r', 'low', 'a.c:3:1', FP.c),
    finding('r', 'medium', 'a.c:4:1', FP.d),
    finding('r', 'medium', 'a.c:9:1', 'eeeeeeeeeeeeeeee'),
    finding('r', 'low', 'a.c:10:1', 'ffffffffffffffff'),
  ];
  const report = buildReport(matchRows(rows, findings), findings);

  it('counts recorded verdicts by the tier they were triaged at', () => {
    const high = report.recorded.find((r) => r.tier === 'high')!;
    const medium = report.recorded.find((r) => r.tier === 'medium')!;
    assert.deepEqual([high.positives, high.positivesKept, high.falses, high.falsesGone], [2, 1, 0, 0]);
    assert.deepEqual(high.positivesLost.map((c) => [c.row.line, c.now]), [[2, 'medium']]);
    assert.deepEqual([medium.positives, medium.positivesKept, medium.falses, medium.falsesGone], [1, 0, 2, 1]);
    assert.deepEqual(medium.positivesLost.map((c) => [c.row.line, c.now]), [[5, 'gone']]);
    assert.deepEqual(medium.falsesShown.map((c) => c.row.line), [4]);
  });

  it('counts shown findings by their tier now, with precision of the triaged ones', () => {
    assert.deepEqual(
      report.shown.map((s) => [s.tier, s.shown, s.triaged, s.true, s.plausible, s.false, s.precision, s.untriaged]),
      [
        ['high', 1, 1, 1, 0, 0, 1, 0],
        ['medium', 3, 2, 0, 1, 1, 0.5, 1],
      ],
    );
    assert.equal(report.hasLowTier, true);
  });

  it('renders the lost and the still shown with their reasons', () => {
    const text = renderReport(report, { listFalseShown: true });
    assert.match(text, /\| r \| medium \| 3 \| 2 \| 0 \| 1 \| 1 \| 50% \| 1 \|/);
    assert.match(text, /a\.c:2:1 \(plausible, recorded high\): now medium; demoted to medium/);
    assert.match(text, /a\.c:5:1 \(true, recorded medium\): no longer reported/);
    assert.match(text, /False, still shown \(1\):\n {4}a\.c:4:1/);
    const short = renderReport(report);
    assert.ok(!short.includes('a.c:4:1'), 'the false ones are listed only when asked');
    assert.match(short, /1 recorded false findings are still shown/);
    assert.match(short, /a\.c:2:1 \(plausible, recorded high\)/, 'the lost true and plausible are always listed');
  });

  it('reads a report object or a bare array, and says what is wrong with anything else', () => {
    const report = JSON.stringify({ version: 1, findings });
    assert.equal(parseFindings(report, 'r.json').length, 6);
    assert.equal(parseFindings(JSON.stringify(findings), 'a.json').length, 6);
    assert.throws(() => parseFindings('{"findings": [{"ruleId": "r"}]}', 'bad.json'), /bad\.json: finding #1 lacks/);
    assert.throws(() => parseFindings('{oops', 'bad.json'), /bad\.json: not JSON/);
  });
});

describe('precision record: sampling', () => {
  const many = Array.from({ length: 40 }, (_, i) => finding('r', i % 4 === 0 ? 'high' : 'medium', `m.c:${i + 1}:1`, i.toString(16).padStart(16, '0')));
  const low = finding('r', 'low', 'm.c:99:1', 'ffffffffffffffff');
  const findings = [...many, low];

  it('draws the same findings for the same seed, others for another seed', () => {
    const draw = (seed: number) => drawSample(findings, [], { size: 5, seed }).map((g) => [g.tier, g.drawn.map((f) => f.location.line)]);
    assert.deepEqual(draw(13), draw(13));
    assert.notDeepEqual(draw(13), draw(14));
    assert.deepEqual(
      drawSample(findings, [], { size: 5, seed: 13 }).map((g) => [g.tier, g.population, g.drawn.length]),
      [
        ['high', 10, 5],
        ['medium', 30, 5],
      ],
    );
  });

  it('leaves out triaged and low findings, and a filter does not change a group draw', () => {
    const rows = record('r', [`m.c:1:1\t${'0'.repeat(16)}\thigh\ttrue\twhy\t2026-11-30`]);
    const groups = drawSample(findings, matchRows(rows, findings), { size: 100, seed: 1 });
    const drawn = groups.flatMap((g) => g.drawn);
    assert.equal(drawn.length, 39);
    assert.ok(!drawn.some((f) => f.location.line === 1 || f.confidence === 'low'));
    const all = drawSample(findings, [], { size: 3, seed: 7 }).find((g) => g.tier === 'medium')!;
    const filtered = drawSample(findings, [], { size: 3, seed: 7, tier: 'medium', rule: 'r' });
    assert.equal(filtered.length, 1);
    assert.deepEqual(filtered[0].drawn, all.drawn);
  });

  it('draws uniformly enough that every finding can come up', () => {
    const random = seededRandom(13);
    const values = Array.from({ length: 1000 }, random);
    assert.ok(values.every((v) => v >= 0 && v < 1));
    assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) / 1000 - 0.5) < 0.05);
  });

  it('shows the code around a finding from the tree, the finding line marked', () => {
    const tree = tempDir();
    fs.writeFileSync(path.join(tree, 'm.c'), Array.from({ length: 30 }, (_, i) => `line ${i + 1};`).join('\n'));
    const text = renderForTriage({ ...many[19], evidence: [{ location: { file: 'm.c', line: 18, column: 1 }, message: 'set here' }] }, tree, 2);
    assert.match(text, /^== r \(medium\) m\.c:20:1 fingerprint/);
    assert.match(text, /- m\.c:18: set here/);
    assert.match(text, />\s+18 {2}line 18;\n {2}\s+19 {2}line 19;\n>\s+20 {2}line 20;/);
    assert.ok(!/line 15;/.test(text) && /line 16;/.test(text) && /line 22;/.test(text) && !/line 23;/.test(text));
  });
});

describe('the precision record in bench/triage', () => {
  it('parses, and names only rules that exist', () => {
    const dir = path.join(REPO, 'bench', 'triage');
    const rows = readRecordDir(dir);
    assert.ok(rows.length > 0);
    for (const ruleId of new Set(rows.map((r) => r.ruleId))) {
      assert.ok(fs.existsSync(path.join(REPO, 'rules', `${ruleId}.ts`)), `bench/triage/${ruleId}.tsv names no rule`);
    }
  });
});

describe('triage CLI', () => {
  it('exits 2 naming file:line for a malformed record line', () => {
    const dir = tempDir();
    const findingsFile = path.join(dir, 'findings.json');
    fs.writeFileSync(findingsFile, JSON.stringify({ findings: [] }));
    const recordDir = path.join(dir, 'record');
    fs.mkdirSync(recordDir);
    fs.writeFileSync(path.join(recordDir, 'r.tsv'), `${HEADER}\na.c:1:1\t${FP.a}\tmedium\tyes\twhy\t2026-11-30\n`);
    const result = spawnSync(process.execPath, [TRIAGE_CLI, findingsFile, '--record', recordDir], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /r\.tsv:2: verdict 'yes'/);
    assert.equal(result.stdout, '');
  });

  it('refuses to sample the low tier, which is not shown', () => {
    const result = spawnSync(process.execPath, [TRIAGE_CLI, '-', '--sample', '3', '--tier', 'low'], { encoding: 'utf8', input: '[]' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /medium or high/);
  });

  it('reports on findings read from standard input, and appends sampled rows to fill in', () => {
    const dir = tempDir();
    const recordDir = path.join(dir, 'record');
    const findings = [finding('r', 'medium', 'a.c:1:1', FP.a), finding('r', 'medium', 'a.c:2:1', FP.b)];
    const sample = spawnSync(process.execPath, [TRIAGE_CLI, '-', '--record', recordDir, '--sample', '1', '--seed', '3', '--append', '--tree', dir], {
      encoding: 'utf8',
      input: JSON.stringify({ findings }),
    });
    assert.equal(sample.status, 0, sample.stderr);
    const rows = readRecordDir(recordDir);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].verdict, '?');
    const report = spawnSync(process.execPath, [TRIAGE_CLI, '-', '--record', recordDir, '--json'], { encoding: 'utf8', input: JSON.stringify({ findings }) });
    assert.equal(report.status, 0, report.stderr);
    const parsed = JSON.parse(report.stdout);
    assert.deepEqual([parsed.shown[0].shown, parsed.shown[0].triaged, parsed.shown[0].untriaged, parsed.recorded[0].pending], [2, 0, 2, 1]);
  });
});
