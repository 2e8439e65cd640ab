// Finds the rules: every rules/<id>.ts in the sources is a rule, run from its
// compiled rules/<id>.js, with its documentation rules/<id>.md. No hand-kept
// index, and a compiled file whose source is gone (a deleted or renamed rule
// left in dist/) is never loaded. Helper modules of a rule live in
// rules/<id>/ and are not rules.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RuleInfo } from '../model';
import type { Rule, RuleDefinition } from '../rule';
import type { TableDefinition } from '../knowledge';
import { parseRuleDocs } from './rule-docs';

export interface RuleLocations {
  /** Where rules/<id>.ts and rules/<id>.md are. */
  sources: string;
  /** Where rules/<id>.js are. */
  compiled: string;
}

/** dist/src/engine -> rules/ (sources and docs) and dist/rules/ (compiled). */
export const RULE_LOCATIONS: RuleLocations = {
  sources: path.resolve(__dirname, '../../../rules'),
  compiled: path.resolve(__dirname, '../../rules'),
};

export class RuleLoadError extends Error {}

/** The ids of the rules whose sources are in `locations.sources`. */
export function ruleIdsOnDisk(locations: RuleLocations = RULE_LOCATIONS): string[] {
  return fs
    .readdirSync(locations.sources, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
    .map((entry) => entry.name.slice(0, -3))
    .sort();
}

const loaded = new Map<string, Rule>();

export function loadRule(id: string): Rule {
  return loadRuleFrom(id, RULE_LOCATIONS);
}

export function loadRuleFrom(id: string, locations: RuleLocations): Rule {
  const key = `${locations.compiled}\0${id}`;
  let rule = loaded.get(key);
  if (!rule) {
    if (!ruleIdsOnDisk(locations).includes(id)) throw new RuleLoadError(`unknown rule '${id}' (see list-rules)`);
    const file = path.join(locations.compiled, `${id}.js`);
    if (!fs.existsSync(file)) throw new RuleLoadError(`rules/${id}.ts is not compiled (no ${file}): run npm run build`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { default?: RuleDefinition };
    if (!mod.default || mod.default.meta?.id !== id) throw new RuleLoadError(`rules/${id}.ts must default-export defineRule({ meta: { id: '${id}' } })`);
    const docsFile = path.join(locations.sources, `${id}.md`);
    rule = { ...mod.default, docs: parseRuleDocs(readDocs(docsFile), `rules/${id}.md`) };
    loaded.set(key, rule);
  }
  return rule;
}

export function loadAllRules(locations: RuleLocations = RULE_LOCATIONS): Rule[] {
  return ruleIdsOnDisk(locations).map((id) => loadRuleFrom(id, locations));
}

/** The knowledge tables every rule reads: what --knowledge files are checked against. */
export function tablesOfAllRules(): TableDefinition<unknown>[] {
  return [...new Set(loadAllRules().flatMap((rule) => rule.knowledge ?? []))];
}

export function ruleDocsPath(id: string): string {
  return path.join(RULE_LOCATIONS.sources, `${id}.md`);
}

function readDocs(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new RuleLoadError(`${file}: cannot read the rule's documentation (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

export function ruleInfo(rule: Rule): RuleInfo {
  const { id, description, category, severity, confidence } = rule.meta;
  return { id, description, category, severity, confidence, references: rule.docs.references, docs: rule.docs.markdown };
}
