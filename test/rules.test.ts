// One test per fixture and per documentation example: each rule flags every
// marked line in bad fixtures and nothing else, and nothing in good ones; a
// fixture's full findings are also kept in its snapshot (<fixture>.snap).

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compareWithExpectations, docExamples, expectationsIn, FIXTURES, parseFixture, RULE_SOURCES, ruleIdsWithSources, runOneRule } from './support/fixtures';
import { matchSnapshot, snapshotText, SNAPSHOT_EXTENSION } from './support/snapshots';

for (const ruleId of ruleIdsWithSources()) {
  describe(`rule ${ruleId}`, () => {
    const dir = path.join(FIXTURES, ruleId);
    const fixtures = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.c') || f.endsWith('.h')).sort() : [];
    for (const name of fixtures) {
      it(`fixture ${name}`, () => {
        const file = parseFixture(`fixtures/${ruleId}/${name}`, fs.readFileSync(path.join(dir, name), 'utf8'));
        const marked = expectationsIn(file).filter((e) => e.ruleId === ruleId);
        if (name.startsWith('bad-')) assert.ok(marked.length > 0, `${name} is a bad fixture without any expect marker`);
        if (name.startsWith('good-')) assert.equal(marked.length, 0, `${name} is a good fixture but has expect markers`);
        const findings = runOneRule(ruleId, file);
        assert.deepEqual(compareWithExpectations(ruleId, file, findings), []);
        matchSnapshot(path.join(dir, name + SNAPSHOT_EXTENSION), snapshotText(findings.map((finding) => ({ finding }))));
      });
    }
    const docs = fs.readFileSync(path.join(RULE_SOURCES, `${ruleId}.md`), 'utf8');
    for (const example of docExamples(docs)) {
      it(`rules/${ruleId}.md example (${example.kind}) at line ${example.line}`, () => {
        const file = parseFixture(`rules/${ruleId}.md:${example.line}`, example.code);
        const marked = expectationsIn(file).filter((e) => e.ruleId === ruleId);
        assert.equal(marked.length > 0, example.kind === 'bad', 'bad examples carry expect markers, good ones none');
        assert.deepEqual(compareWithExpectations(ruleId, file), []);
      });
    }
  });
}
