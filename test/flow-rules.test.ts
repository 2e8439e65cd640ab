// The flow rules on the shared engine: what their findings say, where the
// fixtures' markers (line and tier only) cannot tell.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, parseFixture, runOneRule } from './support/fixtures';

function findingsOf(ruleId: string, fixture: string) {
  const file = path.join(FIXTURES, ruleId, fixture);
  return runOneRule(ruleId, parseFixture(file, fs.readFileSync(file, 'utf8')));
}

describe('flow rules on the engine', () => {
  it('nonrefcounted-page-ref names the lookup on the main line when a branch looks up again', () => {
    const findings = findingsOf('nonrefcounted-page-ref', 'bad-follow-pte-unconditional-get.c').filter((f) => f.location.line === 74);
    assert.equal(findings.length, 1);
    assert.match(findings[0].message, /from follow_pte\(\) at line 48 /);
  });

  it('access-after-arch-free reports a loop-carried access once, naming the free at the end of the body', () => {
    const findings = findingsOf('access-after-arch-free', 'bad-freed-across-iterations.c');
    const inLoop = findings.filter((f) => f.location.line === 23);
    assert.equal(inLoop.length, 1);
    assert.match(inLoop[0].message, /after __free_pages\(\) revoked access to them \(line 24\)/);
  });
});
