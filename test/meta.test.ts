// Every rule is complete: its id is its file name, it has its documentation
// with the sections in order, and fixtures that show it firing and silent.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRule, ruleIdsOnDisk } from '../src/engine/registry';
import { builtinTableNames, loadKnowledge } from '../src/knowledge';
import { FIXTURES, RULE_SOURCES, ruleIdsWithSources } from './support/fixtures';

const DOC_SECTIONS = ['Summary', 'Why this is a bug', 'Examples', 'How to fix', 'Known limitations', 'References'];

describe('rule conventions', () => {
  it('compiles every rule in rules/ and finds it in the registry', () => {
    assert.deepEqual(ruleIdsOnDisk(), ruleIdsWithSources());
    assert.ok(ruleIdsOnDisk().length >= 1);
  });

  for (const id of ruleIdsWithSources()) {
    it(`${id}: id, metadata, docs and fixtures`, () => {
      const rule = loadRule(id);
      assert.equal(rule.meta.id, id);
      assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(rule.requires.length > 0, 'a rule names the identifiers it needs for the pre-filter');
      assert.ok(Object.keys(rule.meta.messages).length > 0);
      assert.ok(rule.meta.references.length > 0);
      for (const table of rule.knowledge ?? []) {
        assert.ok(builtinTableNames().includes(table), `knowledge table '${table}' is data/knowledge/${table}.txt`);
        assert.ok(loadKnowledge().table(table).size > 0, `data/knowledge/${table}.txt has rows`);
      }

      const docs = fs.readFileSync(path.join(RULE_SOURCES, `${id}.md`), 'utf8');
      const headings = [...docs.matchAll(/^## (.+)$/gm)].map((m) => m[1].trim());
      assert.deepEqual(headings, DOC_SECTIONS, `rules/${id}.md sections`);
      assert.match(docs, /^```c bad$/m);
      assert.match(docs, /^```c good$/m);

      const fixtures = fs.readdirSync(path.join(FIXTURES, id));
      assert.ok(fixtures.some((f) => /^bad-.+\.[ch]$/.test(f)), 'at least one bad fixture');
      assert.ok(fixtures.some((f) => /^good-.+\.[ch]$/.test(f)), 'at least one good fixture');
      assert.ok(fixtures.some((f) => /^bad-.+\.patch$/.test(f)), 'at least one bad-*.patch: a patch that introduces the bug');
      assert.ok(fixtures.some((f) => /^good-.+\.patch$/.test(f)), 'at least one good-*.patch: a patch that fixes it');
      for (const f of fixtures) assert.match(f, /^(bad|good)-[a-z0-9-]+\.(c|h|patch)$/, `fixture name ${f}`);
    });
  }
});
