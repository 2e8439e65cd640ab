// The value rules rank by evidence (issue 13): every finding they make on
// their fixtures, at any tier, carries the step that decided its rank.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, parseFixture, runOneRule } from './support/fixtures';

const RANKING_STEP = /^(so )?(ranked (high|medium|low)|kept at medium)\b/;

for (const ruleId of ['ignored-fault-error', 'seqcount-truncation']) {
  describe(`${ruleId} says why it ranked each finding`, () => {
    const dir = path.join(FIXTURES, ruleId);
    for (const name of fs.readdirSync(dir).filter((f) => f.startsWith('bad-') && f.endsWith('.c')).sort()) {
      it(name, () => {
        const file = parseFixture(`fixtures/${ruleId}/${name}`, fs.readFileSync(path.join(dir, name), 'utf8'));
        const findings = runOneRule(ruleId, file);
        assert.ok(findings.length > 0, 'a bad fixture gives findings');
        for (const finding of findings) {
          const steps = finding.evidence.filter((step) => RANKING_STEP.test(step.message));
          assert.ok(steps.length > 0, `line ${finding.location.line} (${finding.confidence}) has no ranking step: ${finding.evidence.map((s) => s.message).join(' | ')}`);
          const last = steps[steps.length - 1].message;
          if (!/^kept at medium/.test(last)) assert.match(last, new RegExp(`ranked ${finding.confidence}`), `line ${finding.location.line}: the last ranking step names the tier shown`);
        }
      });
    }
  });
}
