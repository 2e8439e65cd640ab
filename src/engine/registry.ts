// Finds the rules: every rules/<id>.js next to the compiled sources, with its
// documentation rules/<id>.md from the repository. No hand-kept index.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RuleInfo } from '../model';
import type { Rule } from '../rule';

/** dist/src/engine -> dist/rules (compiled rules) and rules/ (their docs). */
const COMPILED_RULES = path.resolve(__dirname, '../../rules');
const RULE_DOCS = path.resolve(__dirname, '../../../rules');

export function ruleIdsOnDisk(): string[] {
  return fs
    .readdirSync(COMPILED_RULES)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3))
    .sort();
}

const loaded = new Map<string, Rule>();

export function loadRule(id: string): Rule {
  let rule = loaded.get(id);
  if (!rule) {
    const file = path.join(COMPILED_RULES, `${id}.js`);
    if (!fs.existsSync(file)) throw new Error(`unknown rule '${id}' (see list-rules)`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { default?: Rule };
    if (!mod.default || mod.default.meta?.id !== id) throw new Error(`rules/${id}.ts must default-export defineRule({ meta: { id: '${id}' } })`);
    rule = mod.default;
    loaded.set(id, rule);
  }
  return rule;
}

export function loadAllRules(): Rule[] {
  return ruleIdsOnDisk().map(loadRule);
}

export function ruleDocsPath(id: string): string {
  return path.join(RULE_DOCS, `${id}.md`);
}

export function ruleDocs(id: string): string {
  try {
    return fs.readFileSync(ruleDocsPath(id), 'utf8');
  } catch {
    return '';
  }
}

export function ruleInfo(rule: Rule): RuleInfo {
  const { id, description, category, severity, confidence, references } = rule.meta;
  return { id, description, category, severity, confidence, references, docs: ruleDocs(id) };
}
