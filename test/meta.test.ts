// Every rule is complete: its id is its file name, it has its documentation
// with the sections in order, and fixtures that show it firing and silent.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAllRules, loadRule, ruleIdsOnDisk, tablesOfAllRules } from '../src/engine/registry';
import { DOC_SECTIONS } from '../src/engine/rule-docs';
import { builtinTableNames, loadKnowledge } from '../src/knowledge';
import { FIXTURES, RULE_SOURCES, ruleIdsWithSources } from './support/fixtures';

describe('rule conventions', () => {
  it('compiles every rule in rules/ and finds it in the registry', () => {
    assert.deepEqual(ruleIdsOnDisk(), ruleIdsWithSources());
    assert.ok(ruleIdsOnDisk().length >= 1);
  });

  it('every built-in knowledge table is read by a rule, and every one of its rows fits the table', () => {
    const tables = tablesOfAllRules();
    assert.deepEqual(tables.map((t) => t.name).sort(), builtinTableNames(), 'data/knowledge/*.txt and the tables the rules declare');
    assert.equal(new Set(tables.map((t) => t.name)).size, tables.length, 'one definition per table');
    const knowledge = loadKnowledge().validate(tables);
    for (const table of tables) assert.ok(knowledge.table(table).size > 0, `data/knowledge/${table.name}.txt has rows`);
  });

  it('rule categories are kebab-case words', () => {
    for (const rule of loadAllRules()) assert.match(rule.meta.category, /^[a-z]+(-[a-z]+)*$/, rule.meta.id);
  });

  for (const id of ruleIdsWithSources()) {
    it(`${id}: id, metadata, docs and fixtures`, () => {
      const rule = loadRule(id);
      assert.equal(rule.meta.id, id);
      assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(rule.requires.length > 0, 'a rule names the identifiers it needs for the pre-filter');
      assert.ok(Object.keys(rule.meta.messages).length > 0);
      for (const template of Object.values(rule.meta.messages)) {
        assert.doesNotMatch(template.replace(/\{\{\w+\}\}/g, ''), /\{\{|\}\}/, `placeholders are {{name}}, no spaces: ${template}`);
      }
      assert.ok(rule.docs.references.length > 0, 'rules/<id>.md lists references');
      assert.ok(rule.docs.fix.length > 0, "rules/<id>.md's How to fix begins with the default advice");
      for (const required of rule.requires) {
        if (typeof required !== 'string') assert.ok(rule.knowledge?.includes(required.table), `the pre-filter reads table '${required.table.name}', which the rule lists`);
      }
      for (const table of rule.knowledge ?? []) {
        assert.ok(builtinTableNames().includes(table.name), `knowledge table '${table.name}' is data/knowledge/${table.name}.txt`);
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
      for (const f of fixtures) assert.match(f, /^(bad|good)-[a-z0-9-]+\.(c|h|patch)(\.snap)?$/, `fixture name ${f}`);
      for (const f of fixtures.filter((name) => !name.endsWith('.snap'))) assert.ok(fixtures.includes(`${f}.snap`), `${f} has its snapshot ${f}.snap`);
      for (const f of fixtures.filter((name) => name.endsWith('.snap'))) assert.ok(fixtures.includes(f.slice(0, -5)), `${f} is the snapshot of a fixture that exists`);
    });
  }
});
