// The snapshot harness itself: a stale snapshot fails and says which lines
// changed; a missing one fails and says how to write it.

import { describe, it, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lineDiff, matchSnapshot, snapshotText } from './support/snapshots';
import type { Finding } from '../src/model';

const finding = (line: number, message: string): Finding => ({
  ruleId: 'some-rule',
  severity: 'warning',
  confidence: 'medium',
  message,
  location: { file: 'f.c', line, column: 2, endLine: line, endColumn: 9 },
  sourceLine: '\tcall();',
  evidence: [{ location: { file: 'f.c', line: line - 1, column: 1, endLine: line - 1, endColumn: 5 }, message: 'why', sourceLine: 'x' }],
  fix: 'do this',
  fingerprint: 'abc',
});

describe('fixture snapshots', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-snap-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every part of a finding: location, confidence, message, evidence lines, fix', () => {
    assert.equal(
      snapshotText([{ finding: finding(7, 'one line') }]),
      'f.c:7:2: some-rule warning medium\n  message: one line\n  evidence 6:1: why\n  fix: do this\n',
    );
    assert.equal(snapshotText([]), '(no findings)\n');
    assert.match(snapshotText([{ finding: finding(3, 'm'), state: 'introduced', patchLine: 12 }]), /^introduced \(patch line 12\): f\.c:3:2:/);
  });

  it('fails on a stale snapshot with the lines that changed, and on a missing one with the command to write it', () => {
    const file = path.join(dir, 'bad-x.c.snap');
    fs.writeFileSync(file, snapshotText([{ finding: finding(7, 'old words') }]));
    assert.doesNotThrow(() => matchSnapshot(file, snapshotText([{ finding: finding(7, 'old words') }])));
    assert.throws(
      () => matchSnapshot(file, snapshotText([{ finding: finding(7, 'new words') }])),
      (e: Error) => e.message.includes('- snapshot, + now') && e.message.includes('-   message: old words') && e.message.includes('+   message: new words'),
    );
    assert.throws(() => matchSnapshot(path.join(dir, 'none.snap'), '(no findings)\n'), /no snapshot .*PATCH_AUDIT_UPDATE_SNAPSHOTS=1 npm test/);
  });

  it('shows a changed line with one line of context and elides the rest', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f'].join('\n');
    const after = ['a', 'b', 'c', 'D', 'e', 'f'].join('\n');
    assert.equal(lineDiff(before, after), ['  ...', '  c', '- d', '+ D', '  e', '  ...'].join('\n'));
  });
});
