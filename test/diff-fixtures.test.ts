// One test per patch fixture: applied to its rule's fixture folder, a
// bad-*.patch introduces the rule's finding on each added line that carries
// an expect marker (exit 1); a good-*.patch fixes findings the pre-image marks
// and introduces none (exit 0).

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auditPatches, diffExitCode } from '../src/commands/diff';
import { expectationsIn, FIXTURES, parseFixture, ruleIdsWithSources } from './support/fixtures';
import { matchSnapshot, snapshotText, SNAPSHOT_EXTENSION } from './support/snapshots';
import { testAuditOptions } from './support/audit-options';

async function audit(ruleId: string, patch: string) {
  const result = await auditPatches(testAuditOptions({ patches: [patch], tree: path.join(FIXTURES, ruleId), rules: [ruleId], minConfidence: 'medium', index: false }));
  return { result, exitCode: diffExitCode(result, 'warning') };
}

/** Lines of the patch file ('+' or '-' lines) that carry an expect marker for the rule. */
function markedPatchLines(text: string, sign: '+' | '-', ruleId: string): number[] {
  const marker = new RegExp(`expect:\\s*${ruleId}\\b`);
  return text.split('\n').flatMap((line, i) => (line.startsWith(sign) && !line.startsWith(sign.repeat(3)) && marker.test(line) ? [i + 1] : []));
}

for (const ruleId of ruleIdsWithSources()) {
  describe(`rule ${ruleId}: patch fixtures`, () => {
    const dir = path.join(FIXTURES, ruleId);
    const patches = fs.readdirSync(dir).filter((f) => f.endsWith('.patch')).sort();
    for (const name of patches) {
      const file = path.join(dir, name);
      const text = fs.readFileSync(file, 'utf8');
      it(`${name}`, async () => {
        const { result, exitCode } = await audit(ruleId, file);
        const [patchAudit] = result.patches;
        assert.equal(result.patches.length, 1);
        assert.equal(patchAudit.status, 'audited', JSON.stringify(patchAudit.problems));
        matchSnapshot(file + SNAPSHOT_EXTENSION, snapshotText(patchAudit.findings.map(({ finding, state, patchLine }) => ({ finding, state, patchLine }))));
        const introduced = patchAudit.findings.filter((f) => f.state === 'introduced');
        const fixed = patchAudit.findings.filter((f) => f.state === 'fixed');
        if (name.startsWith('bad-')) {
          const marked = markedPatchLines(text, '+', ruleId);
          assert.ok(marked.length > 0, 'a bad patch marks the added lines its bug is on');
          assert.deepEqual(introduced.map((f) => f.patchLine).sort((a, b) => a! - b!), marked, 'introduced findings on exactly the marked added lines');
          assert.deepEqual(fixed, []);
          assert.equal(exitCode, 1);
        } else {
          assert.ok(fixed.length > 0, 'a good patch fixes a finding');
          for (const f of fixed) {
            const preImage = f.finding.location.file;
            const marks = expectationsIn(parseFixture(preImage, fs.readFileSync(path.join(dir, preImage), 'utf8'))).filter((e) => e.ruleId === ruleId);
            assert.ok(marks.some((m) => m.line === f.finding.location.line), `fixed finding at ${preImage}:${f.finding.location.line} is on a marked line`);
          }
          assert.deepEqual(introduced, []);
          assert.equal(exitCode, 0);
        }
      });
    }
  });
}
