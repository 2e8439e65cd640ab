// The rule contract: message data checked against its template (by the
// compiler, and when a finding is made), types only for rules that ask for
// them, knowledge only from declared tables, rules found from their sources,
// and fix advice and references read from the rule's documentation.

import { describe, it, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defineRule } from '../src/rule';
import type { Rule, RuleContext, RuleDefinition } from '../src/rule';
import type { SyntaxNode } from '../src/frontend/parse';
import { runRules } from '../src/engine/analyse-file';
import { fillTemplate } from '../src/engine/findings';
import { loadRuleFrom, ruleIdsOnDisk, RuleLoadError } from '../src/engine/registry';
import { parseRuleDocs, RuleDocsError } from '../src/engine/rule-docs';
import { loadKnowledge } from '../src/knowledge';
import { errorReturningTable } from '../rules/ignored-fault-error/tables';
import { parseFixture } from './support/fixtures';
import type { Typer } from '../src/types/typer';

const MESSAGES = { pair: '{{first}} then {{second}}', plain: 'nothing to fill' } as const;

/** Never called: the compiler checks each report against its template. */
function compileTimeChecks(context: RuleContext<typeof MESSAGES>, node: SyntaxNode): void {
  context.report({ node, messageId: 'pair', data: { first: 'a', second: 'b' } });
  context.report({ node, messageId: 'plain' });
  // @ts-expect-error a placeholder without data
  context.report({ node, messageId: 'pair', data: { first: 'a' } });
  // @ts-expect-error data for a placeholder the template does not have
  context.report({ node, messageId: 'pair', data: { first: 'a', second: 'b', third: 'c' } });
  // @ts-expect-error an unknown message id
  context.report({ node, messageId: 'pairs', data: { first: 'a', second: 'b' } });
  // @ts-expect-error a template with placeholders needs its data
  context.report({ node, messageId: 'pair' });
}
void compileTimeChecks;

const DOCS = { markdown: '', fix: 'the default advice', references: ['a reference'] };

function ruleWith(definition: Partial<RuleDefinition<typeof MESSAGES>>): Rule {
  const base = defineRule({
    meta: { id: 'probe', description: 'd', category: 'locking', severity: 'warning', confidence: 'high', messages: MESSAGES },
    requires: ['probe'],
    check() {},
  });
  return { ...base, ...definition, docs: DOCS } as unknown as Rule;
}

const file = parseFixture('probe.c', 'int probe(void)\n{\n\treturn 0;\n}\n');
const services = (onTyper: () => void) => ({
  makeTyper: () => {
    onTyper();
    return {} as Typer;
  },
  knowledge: loadKnowledge(),
});

describe('rule contract', () => {
  it('fills a message, and refuses a placeholder without data or data without a placeholder', () => {
    assert.equal(fillTemplate(MESSAGES.pair, { first: 'a', second: 'b' }), 'a then b');
    assert.equal(fillTemplate(MESSAGES.plain), 'nothing to fill');
    assert.throws(() => fillTemplate(MESSAGES.pair, { first: 'a' }), /has no data for \{\{second\}\}/);
    assert.throws(() => fillTemplate(MESSAGES.pair, { first: 'a', second: 'b', third: 'c' }), /has no placeholder for 'third'/);
  });

  it("a finding's default fix is the documentation's advice; an open category is accepted", () => {
    const rule = ruleWith({ check: (context) => context.report({ node: context.file.tree.rootNode, messageId: 'pair', data: { first: '1', second: '2' } }) });
    const { findings, problems } = runRules(file, [rule], services(() => {}));
    assert.deepEqual(problems, []);
    assert.equal(findings[0].message, '1 then 2');
    assert.equal(findings[0].fix, 'the default advice');
  });

  it('types only for a rule that sets needsTypes: asking without it is the rule failing', () => {
    let made = 0;
    const asks = (context: RuleContext<typeof MESSAGES>) => void context.types;
    const without = runRules(file, [ruleWith({ check: asks })], services(() => made++));
    assert.equal(without.problems.length, 1);
    assert.match(without.problems[0].reason, /rule probe asks for types without setting `needsTypes`/);
    assert.equal(made, 0, 'no typer is made for it');
    const withTypes = runRules(file, [ruleWith({ check: asks, needsTypes: true })], services(() => made++));
    assert.deepEqual(withTypes.problems, []);
    assert.equal(made, 1);
  });

  it('a knowledge table the rule does not list is refused', () => {
    const reads = (context: RuleContext<typeof MESSAGES>) => void context.knowledge(errorReturningTable);
    const unlisted = runRules(file, [ruleWith({ check: reads })], services(() => {}));
    assert.match(unlisted.problems[0].reason, /reads knowledge table 'error-returning' without listing it/);
    const listed = runRules(file, [ruleWith({ check: reads, knowledge: [errorReturningTable] })], services(() => {}));
    assert.deepEqual(listed.problems, []);
  });
});

describe('rule discovery', () => {
  let root: string;
  before(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'pa-rules-'))));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds rules from their sources: a stale compiled file of a deleted rule is never loaded', () => {
    const sources = path.join(root, 'rules');
    const compiled = path.join(root, 'dist', 'rules');
    fs.mkdirSync(path.join(sources, 'kept-rule'), { recursive: true });
    fs.mkdirSync(compiled, { recursive: true });
    const docs = '# x\n\n## Summary\ns\n\n## Why this is a bug\nw\n\n## Examples\ne\n\n## How to fix\n\nDo this\ninstead.\n\n## Known limitations\nk\n\n## References\n- one\n';
    fs.writeFileSync(path.join(sources, 'kept-rule.ts'), '// source\n');
    fs.writeFileSync(path.join(sources, 'kept-rule.md'), docs);
    fs.writeFileSync(path.join(sources, 'kept-rule', 'helper.ts'), '// a helper module, not a rule\n');
    fs.writeFileSync(path.join(sources, 'uncompiled-rule.ts'), '// source\n');
    const module = (id: string) => `exports.default = { meta: { id: '${id}', messages: {} }, requires: ['x'], check() {} };\n`;
    fs.writeFileSync(path.join(compiled, 'kept-rule.js'), module('kept-rule'));
    fs.writeFileSync(path.join(compiled, 'deleted-rule.js'), module('deleted-rule'));
    const locations = { sources, compiled };

    assert.deepEqual(ruleIdsOnDisk(locations), ['kept-rule', 'uncompiled-rule']);
    assert.equal(loadRuleFrom('kept-rule', locations).docs.fix, 'Do this instead.');
    assert.throws(() => loadRuleFrom('deleted-rule', locations), (e: Error) => e instanceof RuleLoadError && /unknown rule 'deleted-rule'/.test(e.message));
    assert.throws(() => loadRuleFrom('uncompiled-rule', locations), /rules\/uncompiled-rule\.ts is not compiled/);
  });
});

describe('rule documentation', () => {
  const sections = (fix: string, references: string) =>
    `# r\n\n## Summary\ns\n\n## Why this is a bug\nw\n\n## Examples\ne\n\n## How to fix\n${fix}\n\n## Known limitations\nk\n\n## References\n${references}\n`;

  it("reads the default advice (the first paragraph of How to fix) and the references list", () => {
    const docs = parseRuleDocs(sections('\nKeep the `value`\nin its type.\n\nMore detail, not the default.', '- first\n- second,\n  continued\n'), 'r.md');
    assert.equal(docs.fix, 'Keep the `value` in its type.');
    assert.deepEqual(docs.references, ['first', 'second, continued']);
  });

  it('refuses documentation with sections out of order, no advice or no references, naming the file', () => {
    assert.throws(() => parseRuleDocs('# r\n\n## Summary\ns\n', 'rules/r.md'), (e: Error) => e instanceof RuleDocsError && /^rules\/r\.md: the sections must be/.test(e.message));
    assert.throws(() => parseRuleDocs(sections('- only a list', '- one'), 'rules/r.md'), /must begin with a paragraph/);
    assert.throws(() => parseRuleDocs(sections('Advice.', 'none listed'), 'rules/r.md'), /must list at least one reference/);
  });
});
